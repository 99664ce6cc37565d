// The readiness poll's schedule, with scripted node answers: a node that answers one probe
// slowly (a node busy with its start) must not hold back the polls of the other nodes.
import { describe, expect, test } from 'vitest';
import type { ChainClient, NodeInfo } from '../adapter/types.ts';
import { systemClock } from '../support/clock.ts';
import { ClusterStartError } from '../support/errors.ts';
import { Ready, type ReadyContext } from './ready.ts';

/** A client whose `info` answers with `peers(call)` peers, after `answer(call)` resolves. */
function scriptedClient(
  peers: (call: number) => number,
  answer: (call: number) => Promise<void>,
): ChainClient {
  let calls = 0;
  return {
    async info(): Promise<NodeInfo> {
      const call = ++calls;
      await answer(call);
      return { nodeId: 'n', role: 'validator', chainId: 'c', height: 0, tip: '0', peers: peers(call) };
    },
  } as unknown as ChainClient;
}

function context(nodes: ReadyContext['nodes'], deadlineMs: number): ReadyContext {
  const now = systemClock.monotonic();
  return { nodes, clock: systemClock, signal: new AbortController().signal, deadline: now + deadlineMs };
}

describe('Ready.forPeers', () => {
  test('a node whose probe is slow does not hold back the polls of the others', async () => {
    const events: string[] = [];
    let secondFastProbe!: () => void;
    const fastProbedAgain = new Promise<void>((resolve) => {
      secondFastProbe = resolve;
    });
    // The slow node answers its first probe only once the fast node was probed again
    // (or after 2 s, when a poll that waits for every answer would get there).
    const slow = scriptedClient(
      () => 1,
      async () => {
        await Promise.race([fastProbedAgain, new Promise((r) => setTimeout(r, 2000))]);
        events.push('slow answered');
      },
    );
    const fast = scriptedClient(
      (call) => (call === 1 ? 0 : 1),
      async (call) => {
        events.push(`fast probe ${call}`);
        if (call === 2) secondFastProbe();
      },
    );
    await Ready.forPeers(1).wait(
      context(
        [
          { name: 'slow', client: slow },
          { name: 'fast', client: fast },
        ],
        10_000,
      ),
    );
    expect(events).toEqual(['fast probe 1', 'fast probe 2', 'slow answered']);
  });

  test('on expiry it names every node that was not ready and what it last reported', async () => {
    const never = scriptedClient(
      () => 0,
      async () => {},
    );
    const ready = scriptedClient(
      () => 2,
      async () => {},
    );
    const error = await Ready.forPeers(1)
      .withTimeout(300)
      .wait(
        context(
          [
            { name: 'val-0', client: never },
            { name: 'val-1', client: ready },
            { name: 'exe-0', client: never },
          ],
          10_000,
        ),
      )
      .catch((e: unknown) => e);
    expect(ClusterStartError.is(error)).toBe(true);
    expect((error as ClusterStartError).timedOut).toBe(true);
    expect((error as Error).message).toMatch(
      /^cluster not ready after \d+ ms: waiting for every node has ≥ 1 peer; not ready: val-0: 0 peers; exe-0: 0 peers/,
    );
  });
});
