/**
 * Readiness strategies: when a started cluster counts as ready. Each polls the nodes'
 * APIs with its own timeout and, on expiry, fails naming the nodes that were not ready
 * and what they last reported.
 */
import { finalHeightOf } from '../adapter/facets.ts';
import type { ChainClient, FinalityRule } from '../adapter/types.ts';
import type { Clock } from '../support/clock.ts';
import { ClusterStartError } from '../support/errors.ts';

/** What a strategy may look at. */
export interface ReadyContext {
  nodes: readonly { name: string; client: ChainClient }[];
  clock: Clock;
  signal: AbortSignal;
  /** Deadline (clock.monotonic()) the caller imposes; a strategy's own timeout may be shorter. */
  deadline: number;
  /** When the whole start began (clock.monotonic()), for messages. Default: when `wait` began. */
  began?: number;
  /** The chain's finality rule (what `forFinalizedHeight` counts as final). Default: the node's report. */
  finality?: FinalityRule;
}

/** A readiness condition. */
export interface ReadyStrategy {
  /** Readable condition, e.g. `every node has ≥ 1 peer`. */
  readonly description: string;
  /** Own timeout in ms (undefined: the cluster's start timeout). */
  readonly timeoutMs: number | undefined;
  wait(ctx: ReadyContext): Promise<void>;
  /** A copy with its own timeout. */
  withTimeout(ms: number): ReadyStrategy;
}

const POLL_MS = 100;
/** A starved node may answer slowly; a late answer still counts, so probes wait this long. */
const PROBE_TIMEOUT_MS = 3000;

type Probe = (client: ChainClient, ctx: ReadyContext) => Promise<{ ok: boolean; observed: string }>;

function pollEveryNode(description: string, probe: Probe, timeoutMs: number | undefined): ReadyStrategy {
  return {
    description,
    timeoutMs,
    withTimeout: (ms) => pollEveryNode(description, probe, ms),
    async wait(ctx) {
      const started = ctx.clock.monotonic();
      const deadline = timeoutMs === undefined ? ctx.deadline : Math.min(ctx.deadline, started + timeoutMs);
      const pending = new Set(ctx.nodes.map((n) => n.name));
      const observed = new Map<string, string>();
      // Each node is polled on its own: a node that answers slowly (busy with its start) does
      // not hold back the polls of the others, so the cluster is ready as soon as the last
      // node is, not a slow answer plus a poll later.
      const pollNode = async (n: ReadyContext['nodes'][number]): Promise<void> => {
        for (;;) {
          try {
            const r = await probe(n.client, ctx);
            observed.set(n.name, r.observed);
            if (r.ok) {
              pending.delete(n.name);
              return;
            }
          } catch (error) {
            observed.set(n.name, `no answer (${(error as Error).message})`);
          }
          if (ctx.clock.monotonic() >= deadline) return;
          await ctx.clock.sleep(POLL_MS, ctx.signal);
        }
      };
      await Promise.all(ctx.nodes.map(pollNode));
      if (pending.size === 0) return;
      const waited = Math.round(ctx.clock.monotonic() - (ctx.began ?? started));
      const lines = [...pending].map((name) => `${name}: ${observed.get(name) ?? 'not asked'}`);
      throw new ClusterStartError(
        `cluster not ready after ${waited} ms: waiting for ${description}; not ready: ${lines.join('; ')}`,
        { node: [...pending][0], timedOut: true, durationMs: waited },
      );
    },
  };
}

/** Factories of readiness strategies. */
export const Ready = {
  /** Every node answers its health check. */
  forServing(): ReadyStrategy {
    return pollEveryNode(
      'every node serving',
      async (c) => {
        const ok = await c.health({ timeoutMs: PROBE_TIMEOUT_MS });
        return { ok, observed: ok ? 'serving' : 'not serving' };
      },
      undefined,
    );
  },
  /** Every node has at least `k` connected peers. */
  forPeers(k: number): ReadyStrategy {
    return pollEveryNode(
      `every node has ≥ ${k} peer${k === 1 ? '' : 's'}`,
      async (c) => {
        const info = await c.info({ timeoutMs: PROBE_TIMEOUT_MS });
        return { ok: info.peers >= k, observed: `${info.peers} peers` };
      },
      undefined,
    );
  },
  /** Every node's best chain reached height `h`. */
  forHeight(h: number): ReadyStrategy {
    return pollEveryNode(
      `every node at height ≥ ${h}`,
      async (c) => {
        const info = await c.info({ timeoutMs: PROBE_TIMEOUT_MS });
        return { ok: info.height >= h, observed: `height ${info.height}` };
      },
      undefined,
    );
  },
  /** Every node finalized height `h`. */
  forFinalizedHeight(h: number): ReadyStrategy {
    return pollEveryNode(
      `every node finalized height ≥ ${h}`,
      async (c, ctx) => {
        const info = await c.info({ timeoutMs: PROBE_TIMEOUT_MS });
        const final = finalHeightOf({ finality: ctx.finality ?? { rule: 'reported', depth: 0 } }, info);
        return { ok: final >= h, observed: `final height ${final}` };
      },
      undefined,
    );
  },
  /** All strategies, in order. */
  forAll(strategies: readonly ReadyStrategy[]): ReadyStrategy {
    const make = (timeoutMs: number | undefined): ReadyStrategy => ({
      description: strategies.map((s) => s.description).join(', then '),
      timeoutMs,
      withTimeout: (ms) => make(ms),
      async wait(ctx) {
        const deadline =
          timeoutMs === undefined ? ctx.deadline : Math.min(ctx.deadline, ctx.clock.monotonic() + timeoutMs);
        for (const s of strategies) await s.wait({ ...ctx, deadline });
      },
    });
    return make(undefined);
  },
};

/** Default: serving, and ≥ 1 peer each when there is more than one node. */
export function defaultReady(nodeCount: number): ReadyStrategy {
  return nodeCount > 1 ? Ready.forPeers(1) : Ready.forServing();
}
