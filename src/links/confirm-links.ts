/**
 * Proof that a link fault happened, before a test relies on it. A cut: the proxy holds no
 * open connection carrying a cut direction, a connection dialled through each cut link is
 * held (never reaches its target), and each node whose client can list its peers no longer
 * lists the peers it was cut from. A healed link: a connection dialled through it reaches
 * its target. Shaping: the proxy reports the settings in force. Anything else fails with a
 * `LinkFaultError` naming the fault, the links and what was seen.
 */
import type { ChainClient } from '../adapter/types.ts';
import { type Clock, systemClock } from '../support/clock.ts';
import { LinkFaultError } from '../support/errors.ts';
import type { FullLinkSettings } from './link-settings.ts';
import { arrow } from './link-settings.ts';
import { flowEnds, flowKey } from './link-state.ts';
import type { LinkProxyClient } from './proxy-client.ts';

/** How long a node's peer view may take to drop a cut peer. */
export const PEER_VIEW_TIMEOUT_MS = 5000;
/** A probe through a cut link must still be held after this long. */
const CUT_PROBE_MS = 400;
/** A probe through an open link must reach the target within this. */
const OPEN_PROBE_MS = 3000;

/** A node whose peer view a confirmation may read. */
export interface ViewedNode {
  name: string;
  /** Undefined while the node is not running (its view is not checked). */
  client: ChainClient | undefined;
}

/** What a confirmation works with. */
export interface ConfirmContext {
  proxy: LinkProxyClient;
  /** Ids (`from>to`) of the links that exist now. */
  links: ReadonlySet<string>;
  node(name: string): ViewedNode | undefined;
  clock?: Clock;
}

function fail(action: string, flows: readonly string[], why: string): never {
  throw new LinkFaultError(
    action,
    flows.map((k) => {
      const { from, to } = flowEnds(k);
      return arrow(from, to);
    }),
    `could not be confirmed: ${why}`,
  );
}

/** Confirms that every flow in `cut` (`from>to` keys) passes nothing. */
export async function confirmCut(ctx: ConfirmContext, action: string, cut: readonly string[]): Promise<void> {
  if (cut.length === 0) return;
  const cutSet = new Set(cut);
  // Links that carry a cut flow either way (A>B carries A→B forward and B→A back).
  const carrying = [...ctx.links].filter((id) => {
    const { from, to } = flowEnds(id);
    return cutSet.has(flowKey(from, to)) || cutSet.has(flowKey(to, from));
  });
  const status = await ctx.proxy.status();
  const live = status.links
    .filter((l) => carrying.includes(l.id))
    .flatMap((l) => l.connections.filter((c) => c.state !== 'held').map(() => l.id));
  if (live.length > 0)
    fail(
      action,
      cut,
      `the proxy still has ${live.length} open connection(s) on ${[...new Set(live)].join(', ')}`,
    );

  // New connections through a link whose dial direction is cut must be held.
  const dialCut = carrying.filter((id) => cutSet.has(id));
  const probes = await ctx.proxy.probe(dialCut, CUT_PROBE_MS);
  const passed = probes.filter((p) => p.passed || p.reason !== 'held');
  if (passed.length > 0)
    fail(
      action,
      cut,
      `a connection dialled through ${passed.map((p) => `${p.id} (${p.passed ? 'reached its target' : p.reason})`).join(', ')} was not held`,
    );
  await confirmPeerViews(ctx, action, cut);
}

/** Every node with a peer list stops listing the peers it was cut from (either direction). */
async function confirmPeerViews(ctx: ConfirmContext, action: string, cut: readonly string[]): Promise<void> {
  const clock = ctx.clock ?? systemClock;
  const cutPeers = new Map<string, Set<string>>();
  for (const key of cut) {
    const { from, to } = flowEnds(key);
    for (const [a, b] of [
      [from, to],
      [to, from],
    ] as const) {
      const set = cutPeers.get(a) ?? new Set<string>();
      cutPeers.set(a, set);
      set.add(b);
    }
  }
  const deadline = clock.monotonic() + PEER_VIEW_TIMEOUT_MS;
  let still: string[] = [];
  for (;;) {
    still = [];
    await Promise.all(
      [...cutPeers].map(async ([name, peers]) => {
        const client = ctx.node(name)?.client;
        if (client?.connectedPeers === undefined) return;
        let connected: string[];
        try {
          connected = await client.connectedPeers({ timeoutMs: 2000 });
        } catch {
          return; // a node that does not answer has no connection we could see
        }
        const left = connected.filter((p) => peers.has(p));
        if (left.length > 0) still.push(`${name} still lists ${left.join(', ')}`);
      }),
    );
    if (still.length === 0) return;
    if (clock.monotonic() >= deadline) break;
    await clock.sleep(100);
  }
  fail(action, cut, `${PEER_VIEW_TIMEOUT_MS} ms after the cut ${still.sort().join('; ')}`);
}

/** Confirms that a connection dialled through each link of `open` (ids) reaches its target. */
export async function confirmOpen(
  ctx: ConfirmContext,
  action: string,
  open: readonly string[],
): Promise<void> {
  const ids = open.filter((id) => ctx.links.has(id));
  const probes = await ctx.proxy.probe(ids, OPEN_PROBE_MS);
  // A probe that reached the proxy's dial of the target passed the link, even if the target
  // itself is down right now (a stopped node refuses the connection).
  const held = probes.filter((p) => !p.passed && p.reason === 'held');
  if (held.length > 0)
    fail(action, ids, `a connection dialled through ${held.map((p) => p.id).join(', ')} is still held`);
}

/** Confirms that the proxy has exactly these settings in force on these flows. */
export async function confirmSettings(
  ctx: ConfirmContext,
  action: string,
  wanted: ReadonlyMap<string, FullLinkSettings>,
): Promise<void> {
  if (wanted.size === 0) return;
  const status = await ctx.proxy.status();
  const byKey = new Map(status.flows.map((f) => [flowKey(f.from, f.to), f.settings]));
  const wrong: string[] = [];
  for (const [key, settings] of wanted) {
    const got = byKey.get(key);
    const same =
      got !== undefined &&
      (Object.keys(settings) as (keyof FullLinkSettings)[]).every((k) => got[k] === settings[k]);
    if (!same) wrong.push(`${key} has ${JSON.stringify(got)} instead of ${JSON.stringify(settings)}`);
  }
  if (wrong.length > 0) fail(action, [...wanted.keys()], `the proxy reports ${wrong.join('; ')}`);
}
