/**
 * Clock skew is chain-neutral: libfaketime shifts litecoind (a dynamically linked daemon) on
 * the local deployer like refnode. One litecoind node runs 90 s ahead next to two unskewed
 * ones: its own clock reads the offset (to its one-second resolution), the block it mines
 * carries a timestamp 90 s ahead while the others' carry the real time, and the skew is one
 * `clock-skew` fault window on the recording with its offset.
 */
import { describe, expect, test } from 'vitest';
import { litecoindAdapter } from '../src/adapter/litecoind/adapter.ts';
import { LitecoindChainClient } from '../src/adapter/litecoind/chain-client.ts';
import type { ChainClient } from '../src/adapter/types.ts';
import { Cluster } from '../src/cluster/cluster.ts';
import type { StartedCluster } from '../src/cluster/types.ts';

/** Far beyond a second's resolution, far inside litecoind's 2 h bound for future blocks. */
const OFFSET_MS = 90_000;
/** The skewed node's clock resolution: whole seconds. */
const RESOLUTION_MS = 1000;

function rpcOf(client: ChainClient): LitecoindChainClient {
  if (!(client instanceof LitecoindChainClient)) throw new Error(`${client.url} is not a litecoind client`);
  return client;
}

/** A node's clock minus ours, measured at the middle of one request. */
async function measure(cluster: StartedCluster, node: string): Promise<{ offsetMs: number; rttMs: number }> {
  const before = Date.now();
  const reading = await rpcOf(cluster.client(node)).clock();
  const after = Date.now();
  expect(reading.resolutionMs).toBe(RESOLUTION_MS);
  return { offsetMs: reading.now - (before + after) / 2, rttMs: after - before };
}

/** Within half the request's round trip, half a second of resolution and 25 ms of scheduling. */
function expectOffset(m: { offsetMs: number; rttMs: number }, expected: number): void {
  expect(
    Math.abs(m.offsetMs - expected),
    `measured ${m.offsetMs} ms, expected ${expected} ms`,
  ).toBeLessThanOrEqual(m.rttMs / 2 + RESOLUTION_MS / 2 + 25);
}

/** Mines one block on `node` (to an anyone-can-spend script: no wallet needed); its timestamp minus our clock (ms). */
async function mineOne(cluster: StartedCluster, node: string): Promise<number> {
  const client = rpcOf(cluster.client(node));
  const before = Date.now();
  const [hash] = (await client.node.rpc.call('generatetodescriptor', [1, 'raw(51)'])) as string[];
  const after = Date.now();
  const block = await client.block(hash!);
  // The header keeps whole seconds: compare with the middle of the second we were in.
  return block!.timestamp + RESOLUTION_MS / 2 - (before + after) / 2;
}

describe('clock skew on litecoind (local deployer)', () => {
  test('a node at +90 s next to unskewed ones: its clock and the blocks it mines are 90 s ahead, recorded as a clock-skew window', async () => {
    await using cluster = await Cluster.of({
      adapter: litecoindAdapter(),
      validators: 3,
      wallets: 0,
      // The lottery stays out of the way: this test mines each block it looks at. An hour's
      // mean still lets some seeds draw a first block within seconds (a block by val-1 then
      // lifts the median time past, and so val-0's timestamp, by 90 s); seed 2's first draw
      // is 3.2 hours away.
      blockIntervalMs: 3_600_000,
      seed: 2,
      name: 'litecoind-skewed',
      deployer: 'local',
      clockSkew: { offsets: { 'val-1': '+90s' } },
    }).start();

    // Started and confirmed: the skewed node's clock read its offset before start returned.
    expect(cluster.node('val-1').clockOffsetMs).toBe(OFFSET_MS);
    expectOffset(await measure(cluster, 'val-1'), OFFSET_MS);
    expectOffset(await measure(cluster, 'val-0'), 0);
    expectOffset(await measure(cluster, 'val-2'), 0);

    // Blocks carry the clock of the node that mined them, floored at the median time past
    // + 1 s: one real-time block on the regtest genesis (of 2011), then the skewed node's on
    // top of it (its floor is that block's second + 1, far below +90 s).
    const real = await mineOne(cluster, 'val-0');
    expect(Math.abs(real), `val-0's block is ${real} ms off our clock`).toBeLessThanOrEqual(1500);
    const ahead = await mineOne(cluster, 'val-1');
    expect(Math.abs(ahead - OFFSET_MS), `val-1's block is ${ahead} ms ahead`).toBeLessThanOrEqual(1500);

    // One window for the skewed node, with its offset; none for the others.
    const windows = cluster.recording.faults.filter((f) => f.kind === 'clock-skew');
    expect(windows).toHaveLength(1);
    expect(windows[0]).toMatchObject({ nodes: ['val-1'], offsets: { 'val-1': OFFSET_MS } });
    expect(windows[0]!.description).toBe('clock-skew(val-1 +90000 ms)');
    expect(windows[0]!.end, 'the window is open while the skew holds').toBeUndefined();
  }, 120_000);
});
