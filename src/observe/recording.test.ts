import { describe, expect, test } from 'vitest';
import { slottedFacts } from '../../test/fixtures/facts.ts';
import type { BlockHeader, ChainFacts } from '../adapter/types.ts';
import type { Clock } from '../support/clock.ts';
import { systemClock } from '../support/clock.ts';
import { Recording, type TxRecord } from './recording.ts';

const facts: ChainFacts = slottedFacts({
  chainId: 'test',
  genesisSupply: 100n,
  initialBalances: { a: 100n },
});

/** A clock we move by hand, so recording times are exact. */
function manualClock(): Clock & { advance(ms: number): void } {
  let t = 1_000_000;
  return {
    ...systemClock,
    now: () => t,
    monotonic: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

function header(height: number, hash: string, parent: string, txIds: string[] = []): BlockHeader {
  return {
    hash,
    parent,
    height,
    slot: height * 2,
    timestamp: height * 400,
    proposer: 'p',
    stateRoot: `r${hash}`,
    txIds,
  };
}

describe('Recording', () => {
  test('times are ms since the recording started, from the injected clock', () => {
    const clock = manualClock();
    const rec = new Recording({ seed: 1, facts, clock });
    expect(rec.now()).toBe(0);
    clock.advance(1234.56);
    expect(rec.now()).toBe(1234.6);
    expect(rec.startedAt).toBe(1_000_000);
  });

  test('bestChain follows the feed: a new tip drops what was above it (reorg), backfills fill gaps', () => {
    const clock = manualClock();
    const rec = new Recording({ seed: 1, facts, clock });
    const feed = (h: BlockHeader) => {
      clock.advance(100);
      rec.addBlock({ ...h, node: 'n', at: rec.now(), source: 'feed' });
    };
    feed(header(1, 'a1', 'g'));
    feed(header(2, 'a2', 'a1'));
    feed(header(3, 'a3', 'a2'));
    const beforeReorg = rec.now();
    // The node switches to a fork from height 2: the feed announces b2 then b3, b4.
    feed(header(2, 'b2', 'a1'));
    feed(header(3, 'b3', 'b2'));
    feed(header(4, 'b4', 'b3'));
    expect([...rec.bestChain('n').values()].map((b) => b.hash)).toEqual(['a1', 'b2', 'b3', 'b4']);
    expect(rec.hashAt('n', 3, beforeReorg)).toBe('a3');
    expect(rec.tipAt('n')?.hash).toBe('b4');
    // A restart: the feed resumes at 7, the observer backfills 5 and 6 afterwards.
    feed(header(7, 'b7', 'b6'));
    clock.advance(10);
    rec.addBlock({ ...header(5, 'b5', 'b4'), node: 'n', at: rec.now(), source: 'backfill' });
    rec.addBlock({ ...header(6, 'b6', 'b5'), node: 'n', at: rec.now(), source: 'backfill' });
    expect([...rec.bestChain('n').keys()].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  test('finalSeries merges finality events and samples and never goes down', () => {
    const rec = Recording.fromJSON({
      ...new Recording({ seed: 1, facts }).toDump(),
      endedAt: 10_000,
      finalized: [
        { node: 'n', at: 1000, height: 1, hash: 'h1' },
        { node: 'n', at: 3000, height: 3, hash: 'h3' },
      ],
      samples: [
        {
          node: 'n',
          at: 2000,
          ok: true,
          info: {
            nodeId: 'n',
            role: 'validator',
            chainId: 'test',
            slot: 1,
            height: 5,
            tip: 't',
            stateRoot: 's',
            finalizedHeight: 2,
            finalizedTip: 'h2',
            finalizedStateRoot: 'r',
            peers: 1,
          },
        },
        // A restarted node that reports a lower final height while loading must not lower it.
        {
          node: 'n',
          at: 4000,
          ok: true,
          info: {
            nodeId: 'n',
            role: 'validator',
            chainId: 'test',
            slot: 1,
            height: 0,
            tip: 't',
            stateRoot: 's',
            finalizedHeight: 0,
            finalizedTip: 'g',
            finalizedStateRoot: 'r',
            peers: 0,
          },
        },
      ],
    });
    expect(rec.finalSeries('n').map((p) => [p.at, p.height])).toEqual([
      [1000, 1],
      [2000, 2],
      [3000, 3],
    ]);
    expect(rec.finalHeightAt('n', 2500)).toBe(2);
    expect(rec.finalHeightAt('n', 500)).toBe(-1);
  });

  test('fault windows open and close once, and are found by node and time', () => {
    const clock = manualClock();
    const rec = new Recording({ seed: 1, facts, clock });
    clock.advance(1000);
    const f = rec.openFault('restart', ['val-1'], 'restart(val-1)');
    clock.advance(2000);
    f.end();
    clock.advance(5000);
    f.end();
    expect(rec.faults).toEqual([
      { kind: 'restart', nodes: ['val-1'], start: 1000, end: 3000, description: 'restart(val-1)' },
    ]);
    expect(rec.faultsOf('val-1', 2000, 2500)).toHaveLength(1);
    expect(rec.faultsOf('val-1', 3500)).toHaveLength(0);
    expect(rec.faultsOf('val-2')).toHaveLength(0);
  });

  test('nodes join, leave and rejoin', () => {
    const clock = manualClock();
    const rec = new Recording({ seed: 1, facts, clock });
    rec.addNode('val-0', 'validator');
    clock.advance(1000);
    rec.addNode('val-1', 'validator');
    clock.advance(1000);
    rec.removeNode('val-0');
    expect(rec.activeNodes().map((n) => n.name)).toEqual(['val-1']);
    expect(rec.activeNodes(1500).map((n) => n.name)).toEqual(['val-0', 'val-1']);
    rec.addNode('val-0', 'validator');
    expect(rec.activeNodes().map((n) => n.name)).toEqual(['val-0', 'val-1']);
    expect(rec.events.map((e) => `${e.node} ${e.event}`)).toEqual(['val-0 left', 'val-0 rejoined']);
  });

  test('recordTx keeps the first record and its inclusion, notifies listeners', () => {
    const rec = new Recording({ seed: 1, facts });
    const seen: string[] = [];
    using _sub = rec.onTxRecorded((r) => seen.push(`${r.id}:${r.outcome}`));
    const tx: TxRecord = {
      id: 't1',
      from: 'a',
      to: 'b',
      amount: 1n,
      fee: 1n,
      nonce: 0,
      workload: 'w',
      node: 'n',
      submittedAt: 0,
      outcome: 'failed',
      reason: 'timeout',
    };
    rec.recordTx(tx);
    rec.txs.get('t1')!.includedAt = 50;
    rec.recordTx({ ...tx, outcome: 'accepted', submittedAt: 10 });
    rec.recordTx({ ...tx, outcome: 'rejected', reason: 'duplicate', submittedAt: 20 });
    expect(rec.txs.get('t1')).toMatchObject({ outcome: 'accepted', submittedAt: 10, includedAt: 50 });
    expect(seen).toEqual(['t1:failed', 't1:accepted']);
  });

  test('a dump round-trips through JSON, and a loaded recording has frozen time', () => {
    const clock = manualClock();
    const rec = new Recording({ seed: 913, facts, clock });
    rec.addNode('n', 'validator');
    clock.advance(100);
    rec.addBlock({ ...header(1, 'a1', 'g', ['t1']), node: 'n', at: rec.now() });
    rec.addFinalized({ node: 'n', at: rec.now(), height: 0, hash: 'g' });
    rec.recordTx({
      id: 't1',
      from: 'a',
      to: 'b',
      amount: 1n,
      fee: 1n,
      nonce: 0,
      workload: 'w',
      node: 'n',
      submittedAt: 50,
      outcome: 'accepted',
    });
    rec.addTxBody({ id: 't9', from: 'a', to: 'b', amount: 2n, fee: 1n, nonce: 1 });
    rec.openFault('pause', ['n'], 'pause(n)');
    rec.nodeEvent('n', 'feed-lost', 'ECONNRESET');
    rec.mark('test-start', 'my test');
    clock.advance(400);
    const text = JSON.stringify(rec);
    // Amounts are decimal strings in JSON, bigint again once loaded.
    expect(JSON.parse(text).txs[0].amount).toBe('1');
    expect(JSON.parse(text).facts.supply.genesis).toBe('100');
    const loaded = Recording.fromJSON(text);
    expect(loaded.toDump()).toEqual(rec.toDump());
    expect(loaded.toJSON()).toEqual(rec.toJSON());
    expect(loaded.now()).toBe(500);
    expect(loaded.txBody('t9')).toEqual({ id: 't9', from: 'a', to: 'b', amount: 2n, fee: 1n, nonce: 1 });
    expect(loaded.facts.initialBalances).toEqual({ a: 100n });
    expect(loaded.lastMark('test-start')?.detail).toBe('my test');
    expect(() => Recording.fromJSON({ ...rec.toDump(), version: 3 as 2 })).toThrow(
      /unsupported recording dump version 3/,
    );
  });

  test('until() cuts a recording at a time, reopening faults and unlinking later inclusions', () => {
    const clock = manualClock();
    const rec = new Recording({ seed: 1, facts, clock });
    rec.addNode('n', 'validator');
    const f = rec.openFault('stop', ['n'], 'stop(n)');
    rec.recordTx({
      id: 't1',
      from: 'a',
      to: 'b',
      amount: 1n,
      fee: 1n,
      nonce: 0,
      workload: 'w',
      node: 'n',
      submittedAt: 0,
      outcome: 'accepted',
    });
    clock.advance(1000);
    rec.txs.get('t1')!.includedAt = 1000;
    rec.txs.get('t1')!.height = 1;
    f.end();
    const cut = rec.until(500);
    expect(cut.now()).toBe(500);
    expect(cut.faults[0]!.end).toBeUndefined();
    expect(cut.txs.get('t1')!.includedAt).toBeUndefined();
    expect(rec.txs.get('t1')!.includedAt).toBe(1000);
  });
});

describe('Recording blobs', () => {
  const published = {
    id: 'b1',
    channel: 'da-0',
    owner: 'o',
    sequence: 0,
    size: 10,
    dataHash: 'h',
    workload: 'data-availability',
    node: 'exe-0',
    publishedAt: 100,
    outcome: 'accepted' as const,
  };

  test('later reports merge: first certification and inclusion times stay, a reorg moves the block, retrievals append', () => {
    const clock = manualClock();
    const rec = new Recording({ seed: 1, facts, clock });
    rec.recordBlob(published);
    rec.recordBlob({ ...published, certifiedAt: 500 });
    rec.recordBlob({ ...published, certifiedAt: 900, includedAt: 900, height: 4, blockHash: 'x4' });
    rec.recordBlob({ ...published, includedAt: 1500, height: 5, blockHash: 'y5' });
    rec.addBlobRetrieval('b1', { node: 'val-1', at: 1600, ok: true, dataHash: 'h', size: 10 });
    rec.addBlobRetrieval('unknown', { node: 'val-1', at: 1600, ok: false, reason: 'not_found' });
    expect(rec.blobs.get('b1')).toMatchObject({
      certifiedAt: 500,
      includedAt: 900,
      height: 5,
      blockHash: 'y5',
      retrievals: [{ node: 'val-1', ok: true }],
    });
    expect(rec.blobs.has('unknown')).toBe(false);
    expect(rec.blobsOf('data-availability')).toHaveLength(1);
    expect(rec.blobsOf('other')).toHaveLength(0);

    clock.advance(2000);
    const loaded = Recording.fromJSON(JSON.parse(JSON.stringify(rec)));
    expect(loaded.blobs.get('b1')).toEqual(rec.blobs.get('b1'));
    const cut = loaded.until(700);
    expect(cut.blobs.get('b1')).toMatchObject({ certifiedAt: 500, retrievals: [] });
    expect(cut.blobs.get('b1')!.includedAt).toBeUndefined();
    expect(cut.blobs.get('b1')!.height).toBeUndefined();
  });

  test('an accepted answer beats an earlier failed one', () => {
    const rec = new Recording({ seed: 1, facts, clock: manualClock() });
    rec.recordBlob({ ...published, outcome: 'failed', reason: 'timed out' });
    rec.recordBlob({ ...published, node: 'exe-1' });
    expect(rec.blobs.get('b1')).toMatchObject({ outcome: 'accepted', node: 'exe-1' });
    expect(rec.blobs.get('b1')!.reason).toBeUndefined();
  });
});
