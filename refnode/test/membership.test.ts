import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  type BookEntry,
  type RunningNode,
  refnodeMain,
  transportAddr,
  waitFor,
  writeBook,
  writeGenesis,
} from './cluster.ts';

const execFileAsync = promisify(execFile);

interface PeerEntry {
  peerId: string;
  connected: boolean;
  dial: { policy: string; failures: number; nextDialInMs: number } | null;
}

async function peersOf(node: RunningNode): Promise<PeerEntry[]> {
  return (await node.get('/p2p/peers')).body.peers;
}

/** The book entry that reaches a running node at its listen address. */
function entryOf(node: RunningNode, options: { bootstrap?: boolean } = {}): BookEntry {
  return { peerId: node.ready.peerId, addrs: [transportAddr(node)], name: node.ready.nodeId, ...options };
}

describe('dynamic membership', () => {
  it('a fresh node and a standby validator join through their books and discovery; a node that leaves for good is dropped', async () => {
    await using set = await writeGenesis({
      validators: 3,
      standby: 1,
      wallets: 2,
      slotMs: 200,
      securityParam: 4,
    });
    const genesis = JSON.parse(readFileSync(join(set.dir, 'genesis.json'), 'utf8'));
    expect(
      genesis.validators.map((v: { nodeId: string; standby?: boolean }) => [v.nodeId, v.standby ?? false]),
    ).toEqual([
      ['val-0', false],
      ['val-1', false],
      ['val-2', false],
      ['val-3', true],
    ]);
    const founders = [0, 1, 2];
    const bookOf = (i: number) => set.bookPath(`val-${i}`);
    const founderEntries = founders.map((i) => set.directEntry(i));
    for (const i of founders)
      writeBook(
        bookOf(i),
        founderEntries.filter((_, j) => j !== i),
      );
    const nodes = await Promise.all(
      founders.map((i) => set.start(i, ['--peers=', '--peers-file', bookOf(i)])),
    );
    await waitFor(
      async () => (await nodes[0]!.info()).finalizedHeight >= 2,
      30_000,
      'the founders to finalize',
    );
    // The standby validator's stake counts although it never started: 300 of 400 is a majority.
    expect((await nodes[0]!.info()).stake).toEqual({ total: 400, seen: 300, quorum: true });

    // A fresh node: new key, empty disk, a book that bootstraps from val-0 only and knows the
    // others' addresses for when it learns of them.
    const freshBook = set.bookPath('fresh-0');
    writeBook(freshBook, [
      { ...founderEntries[0]!, bootstrap: true },
      { ...founderEntries[1]!, bootstrap: false },
      { ...founderEntries[2]!, bootstrap: false },
    ]);
    const configFile = join(set.dir, 'fresh-0.json');
    const { stdout } = await execFileAsync(process.execPath, [
      refnodeMain,
      'node-config',
      '--genesis',
      join(set.dir, 'genesis.json'),
      '--node-id',
      'fresh-0',
      '--out',
      configFile,
      '--peers-file',
      freshBook,
    ]);
    const created = JSON.parse(stdout);
    expect(created).toMatchObject({ event: 'node-config', nodeId: 'fresh-0', config: configFile });
    expect(genesis.executors.map((e: { peerId: string }) => e.peerId)).not.toContain(created.peerId);
    const atJoin = await nodes[0]!.info();
    const fresh = await set.spawn(configFile, 'fresh-0');
    // The launcher tells the founders where the newcomer is (not a bootstrap peer for them).
    for (const i of founders)
      writeBook(bookOf(i), [
        ...founderEntries.filter((_, j) => j !== i),
        entryOf(fresh, { bootstrap: false }),
      ]);
    await waitFor(
      async () => (await fresh.info()).peers >= 3,
      30_000,
      'the fresh node to find all three founders',
    );
    expect((await fresh.metric('refnode_p2p_peers_learned_total')) >= 2).toBe(true);
    await waitFor(
      async () => (await fresh.info()).finalizedHeight >= atJoin.finalizedHeight,
      30_000,
      'the fresh node to sync to the final height at its join',
    );
    const finalHere = await fresh.get(`/blocks?from=${atJoin.finalizedHeight}&to=${atJoin.finalizedHeight}`);
    expect(finalHere.body.blocks[0].hash).toBe(atJoin.finalizedTip);

    // The standby validator starts later (empty data dir) and proposes on the common chain.
    const standbyBook = set.bookPath('val-3');
    writeBook(standbyBook, [
      { ...founderEntries[0]!, bootstrap: true },
      { ...founderEntries[1]!, bootstrap: false },
      { ...founderEntries[2]!, bootstrap: false },
    ]);
    const standby = await set.start(3, ['--peers=', '--peers-file', standbyBook]);
    const withStandby = (i: number) => [
      ...founderEntries.filter((_, j) => j !== i),
      entryOf(fresh, { bootstrap: false }),
      entryOf(standby),
    ];
    for (const i of founders) writeBook(bookOf(i), withStandby(i));
    await waitFor(
      async () => (await nodes[0]!.info()).stake.seen === 400,
      30_000,
      'val-0 to see the standby validator’s stake',
    );
    const standbyKey = (await standby.info()).publicKey;
    await waitFor(
      async () => {
        const tip = (await nodes[0]!.info()).height;
        const recent = (await nodes[0]!.get(`/blocks?from=${Math.max(1, tip - 30)}&to=${tip}`)).body.blocks;
        return recent.some((block: { proposer: string }) => block.proposer === standbyKey);
      },
      60_000,
      'a block by the standby validator on val-0’s chain',
    );

    // It leaves for good. Its book entries (bootstrap) keep being dialled, with a bounded backoff…
    await standby.stop();
    await waitFor(
      async () => {
        const target = (await peersOf(nodes[0]!)).find((peer) => peer.peerId === standby.ready.peerId)?.dial;
        return target !== null && target !== undefined && target.failures >= 2;
      },
      20_000,
      'val-0 to retry the departed validator',
    );
    const retrying = (await peersOf(nodes[0]!)).find((peer) => peer.peerId === standby.ready.peerId)!.dial!;
    expect(retrying.policy).toBe('bootstrap');
    expect(retrying.nextDialInMs).toBeLessThanOrEqual(10_000);
    // …until the launcher removes it: then every node forgets it and the peer counts settle.
    for (const i of founders) writeBook(bookOf(i), withStandby(i).slice(0, -1));
    const everyone = [...nodes.map((node) => node!), fresh];
    await waitFor(
      async () => {
        for (const node of everyone) {
          const peers = await peersOf(node);
          if (
            peers.some(
              (peer) => peer.peerId === standby.ready.peerId && (peer.connected || peer.dial !== null),
            )
          )
            return false;
          if ((await node.info()).peers !== 3) return false;
        }
        return true;
      },
      20_000,
      'every node to forget the departed validator, with 3 peers each',
    );
    const dialsBefore = await nodes[0]!.metric('refnode_p2p_dials_total', { outcome: 'error' });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await nodes[0]!.metric('refnode_p2p_dials_total', { outcome: 'error' })).toBe(dialsBefore);
    // 300 of 400 stake still runs: the chain goes on.
    const height = (await nodes[0]!.info()).height;
    await waitFor(async () => (await fresh.info()).height > height + 2, 20_000, 'blocks after the departure');
  });
});
