import { describe, expect, it } from 'vitest';
import { txId } from '../src/codec.ts';
import { waitFor, writeGenesis } from './cluster.ts';

describe('deliberate bugs', () => {
  it('with the no-sync bug a restarted node does not catch up', async () => {
    // Three validators, so the two that stay up hold a stake majority and keep producing.
    await using set = await writeGenesis({ validators: 3, wallets: 2, slotMs: 200, securityParam: 4 });
    const [a, , c] = await Promise.all([set.start(0), set.start(1), set.start(2)]);
    await waitFor(async () => (await c!.info()).height >= 3, 15_000, 'height 3');
    await c!.kill('SIGTERM');
    const heightAtStop = (await a!.info()).height;
    await waitFor(
      async () => (await a!.info()).height >= heightAtStop + 8,
      20_000,
      'the others to move ahead',
    );
    const lagging = await set.start(2, ['--bug', 'no-sync']);
    await new Promise((ok) => setTimeout(ok, 3000));
    const [ahead, behind] = await Promise.all([a!.info(), lagging.info()]);
    // It only extends its own branch (and takes gossiped blocks whose parent it knows), never the missed range.
    expect(
      (await lagging.get(`/blocks?from=${heightAtStop + 1}&to=${heightAtStop + 1}`)).body.blocks[0]?.hash,
    ).not.toBe(
      (await a!.get(`/blocks?from=${heightAtStop + 1}&to=${heightAtStop + 1}`)).body.blocks[0]?.hash,
    );
    expect(ahead.tip).not.toBe(behind.tip);
  });

  it('with no-tx-gossip a tx stays on its node until that node proposes; peers then fetch the full block', async () => {
    await using set = await writeGenesis({ validators: 2, wallets: 2, slotMs: 200, securityParam: 4 });
    const [quiet, other] = await Promise.all([set.start(0, ['--bug', 'no-tx-gossip']), set.start(1)]);
    await waitFor(async () => (await other!.info()).peers >= 1, 15_000, 'peers');
    const tx = set.tx(0, 1, { amount: 77 });
    expect((await quiet!.post('/txs', tx)).status).toBe(202);
    await new Promise((ok) => setTimeout(ok, 300));
    const early = (await other!.get(`/txs/${txId(tx)}`)).body.status;
    expect(['unknown', 'included']).toContain(early);
    // Only val-0 can include it; the compact block lacks it on val-1, which fetches the full block.
    const included = await waitFor(
      async () => {
        const status = (await other!.get(`/txs/${txId(tx)}`)).body;
        return status.status === 'included' ? status : undefined;
      },
      20_000,
      'tx included on val-1',
    );
    const block = (await other!.get(`/blocks/${included.blockHash}`)).body;
    expect(block.proposer).toBe((await quiet!.get('/info')).body.publicKey);
    if (early === 'unknown') expect((await other!.get('/mempool?ids=1')).body.ids).not.toContain(txId(tx));
  });
});
