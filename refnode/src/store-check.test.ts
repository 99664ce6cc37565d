import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { Chain, nodeKey } from './chain/chain.ts';
import { VerifyCache } from './chain/tx-check.ts';
import { createTxSigner, txId } from './codec.ts';
import { buildGenesis, genesisHash } from './genesis.ts';
import { BlockStore } from './storage.ts';
import { checkStore } from './store-check.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A data dir holding a 12-block chain with txs, stored the way the node stores it. */
function storedChain(options: { mintOnPropose?: boolean } = {}) {
  const { genesis, wallets, nodes } = buildGenesis(
    {
      validators: 1,
      executors: 0,
      wallets: 2,
      seed: 'store-check',
      slotMs: 100,
      activeSlotCoeff: 1,
      securityParam: 3,
      genesisTime: 1_000_000,
      walletBalance: 1000,
      minFee: 1,
    },
    () => 'peer',
  );
  const key = nodeKey(nodes[0]!.secretKey, nodes[0]!.publicKey);
  const chain = new Chain({ genesis, verifyCache: new VerifyCache(), mintOnPropose: options.mintOnPropose });
  const dir = mkdtempSync(join(tmpdir(), 'refnode-store-check-'));
  dirs.push(dir);
  const store = new BlockStore(dir);
  store.genesisHash = genesisHash(genesis);
  const sign = createTxSigner(wallets[0]!.secretKey);
  for (let slot = 1; slot <= 12; slot++) {
    const tx = sign({
      chainId: genesis.chainId,
      from: wallets[0]!.address,
      to: wallets[1]!.address,
      amount: slot,
      fee: 1,
      nonce: slot - 1,
    });
    const proof = chain.tryWinSlot(key.secret, key.publicKey, slot)!;
    const { block } = chain.buildBlock(key, slot, proof, [{ ...tx, id: txId(tx) }], 10);
    const outcome = chain.addBlock(block);
    if (outcome.kind !== 'added') throw new Error(`block ${slot}: ${outcome.kind}`);
    store.commit({
      block,
      joined: [{ height: block.height, hash: block.hash }],
      finalizedHeight: chain.finalizedHeight,
    });
  }
  store.close();
  return { dir, genesis };
}

function sql(dir: string, statement: string): void {
  const db = new DatabaseSync(join(dir, 'chain.sqlite'));
  db.exec(statement);
  db.close();
}

describe('checkStore', () => {
  it('passes a store the node wrote: 12 blocks replayed with their state roots', () => {
    const { dir, genesis } = storedChain();
    expect(checkStore(dir, genesis)).toMatchObject({
      ok: true,
      problems: [],
      height: 12,
      finalizedHeight: 9,
      checked: 12,
    });
  });

  it('finds a gap in the best-chain index', () => {
    const { dir, genesis } = storedChain();
    sql(dir, 'DELETE FROM canonical WHERE height = 5');
    const report = checkStore(dir, genesis);
    expect(report.ok).toBe(false);
    expect(report.problems).toContain('best-chain index: height 6 where 5 was due');
  });

  it('finds a best-chain row naming a block that is not stored', () => {
    const { dir, genesis } = storedChain();
    sql(dir, 'DELETE FROM blocks WHERE height = 7');
    const report = checkStore(dir, genesis);
    expect(report.ok).toBe(false);
    expect(report.problems.join('\n')).toMatch(/best-chain block 7: stored as 8 /);
  });

  it('recomputes state roots: a chain whose blocks minted refuses to replay', () => {
    const { dir, genesis } = storedChain({ mintOnPropose: true });
    const report = checkStore(dir, genesis);
    expect(report.problems.join('\n')).toMatch(
      /best-chain block 1 [0-9a-f]{12} does not replay: bad_state_root/,
    );
    // The same store is sound for a node run with that bug.
    expect(checkStore(dir, genesis, { mintOnPropose: true }).ok).toBe(true);
  });

  it('finds a final height above the stored chain, and a store made for another genesis', () => {
    const { dir, genesis } = storedChain();
    sql(dir, "UPDATE meta SET value = '40' WHERE key = 'finalized'");
    expect(checkStore(dir, genesis).problems).toContain(
      'final height 40 is above the stored best chain (12)',
    );
    const other = { ...genesis, chainId: 'refnode-other' };
    expect(checkStore(dir, other).problems.join('\n')).toMatch(/made for genesis [0-9a-f]{12}, expected/);
  });

  it('reports a data dir without a chain database instead of creating one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'refnode-store-check-'));
    dirs.push(dir);
    const { genesis } = storedChain();
    expect(checkStore(dir, genesis)).toMatchObject({ ok: false, problems: [`no chain.sqlite in ${dir}`] });
  });
});
