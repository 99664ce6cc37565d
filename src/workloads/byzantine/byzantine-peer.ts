/**
 * The Byzantine gossip peer (scenario 9): a real libp2p host that dials the cluster's nodes,
 * joins every gossip topic and floods them at a bounded rate with duplicates of old valid
 * messages, stale blocks and txs, useless, malformed and oversized messages, and invalid txs
 * of every kind the adapter forges; it stops by itself after `durationMs`.
 *
 * The chain-specific parts (topics, message formats, a node's peer id and address) come from
 * the adapter's gossip facet (`cluster.gossip`), the invalid txs from its forger. What it sent
 * is recorded (`Recording.gossipPeers`, and each gossiped invalid tx in `gossipTxs`), and while
 * it runs the observer samples every node's view of it (`watchGossip`), so matchers judge the
 * nodes: `toPenalize` (they scored it down), `toRejectWith` and `toNeverInclude` (its txs).
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { z } from 'zod';
import { requireFacet } from '../../adapter/facets.ts';
import type { GossipKit, PeerAddress } from '../../adapter/types.ts';
import { type NodeSelection, nodeSelectionSchema, selectNodes } from '../../cluster/node-selection.ts';
import type { StartedCluster, StartedNode } from '../../cluster/types.ts';
import type { TxRecord } from '../../observe/recording.ts';
import { type Clock, systemClock } from '../../support/clock.ts';
import { WorkloadError } from '../../support/errors.ts';
import { type AllowedText, parseOptions } from '../../support/validate.ts';
import { type FuzzWallet, primeFuzzWallet } from '../fuzz-wallet.ts';
import { paced } from '../runner.ts';
import { type StartedWorkload, type Workload, workloadNameSchema } from '../workload.ts';
import { type GossipPeer, startGossipPeer } from './gossip-peer.ts';
import type { GossipedCase, PlannedMessage } from './messages.ts';
import { messageSource } from './messages.ts';
import { type ByzantineKind, type ByzantineMix, byzantineKinds, defaultMix, kindChooser } from './mix.ts';

/** Options of {@link byzantinePeer}. */
export interface ByzantinePeerOptions {
  /** Messages per second it publishes (each to every target). Required; 0 < rate ≤ 5000. */
  rate: number;
  /** How long it floods (ms); it stops by itself then. Required; 100..3 600 000. */
  durationMs: number;
  /** Relative weights of the kinds of message (see `ByzantineKind`). Default {@link defaultMix}. */
  mix?: ByzantineMix;
  /** Nodes it dials and floods: `all`, `validators`, `executors` or names. Default `all`. */
  targets?: NodeSelection;
  /** Fuzz wallet index the invalid txs come from (facet `forging`). Default: the last wallet. */
  wallet?: number;
  /** Time to connect to every target and see it subscribed to every topic (ms). Default 15 000. */
  joinTimeoutMs?: number;
  /** Name in the recording and rng fork label. Default `byzantine-peer`. */
  name?: string;
}

/** One invalid tx it gossiped (the shape `toNeverInclude` reads, like a fuzzing attempt). */
export interface GossipAttempt extends GossipedCase {
  /** When its message was published (recording ms). */
  at: number;
  /** Nodes it was published to. */
  targets: string[];
}

/** What it did, once done. */
export interface ByzantineSummary {
  peerId: string;
  targets: string[];
  /** Recording ms of the first and last publish. */
  from: number;
  to: number;
  /** Messages published, and by kind. */
  messages: number;
  byKind: Record<ByzantineKind, number>;
  bytes: number;
  /** Messages per second achieved over the flood (publishes / elapsed). */
  rate: number;
  /** Messages due at `rate` over `durationMs`; more than `messages` when the peer could not keep up. */
  planned: number;
  /** Publishes that reached no node (every target had gone). */
  unheard: number;
}

/** A running (or finished) Byzantine gossip peer. */
export interface StartedByzantinePeer extends StartedWorkload {
  /** Judged by its gossip (`toRejectWith` asks the nodes what became of its txs). */
  readonly via: 'gossip';
  /** Its libp2p peer id (seeded: the same seed gives the same peer). */
  readonly peerId: string;
  /** Names of the nodes it floods. */
  readonly targets: readonly string[];
  /** Resolves once the flood ended and the peer left the network. */
  readonly done: Promise<ByzantineSummary>;
  summary(): ByzantineSummary | undefined;
  /** Messages published so far, by kind. */
  sent(): Record<ByzantineKind, number>;
  /** Every invalid tx it gossiped, in order. */
  attempts(): GossipAttempt[];
  /** Ids that must never be in a block (every gossiped invalid tx except resent duplicates). */
  ids(): string[];
  /** Ids of included txs it resent as duplicates (each must stay on a chain once). */
  duplicateOf(): string[];
}

const mixSchema = z.strictObject(
  Object.fromEntries(byzantineKinds.map((k) => [k, z.number().min(0).max(1000).optional()])) as Record<
    ByzantineKind,
    z.ZodOptional<z.ZodNumber>
  >,
);

const schema = z.strictObject({
  rate: z.number().gt(0).lte(5000),
  durationMs: z.int().min(100).max(3_600_000),
  mix: mixSchema
    .refine((m) => Object.values(m).some((w) => (w ?? 0) > 0), { message: 'no kind has a weight above 0' })
    .optional(),
  targets: nodeSelectionSchema.optional(),
  wallet: z.int().min(0).optional(),
  joinTimeoutMs: z.int().min(100).max(300_000).optional(),
  name: workloadNameSchema.optional(),
});

const allowed: AllowedText = {
  rate: 'a number > 0 and ≤ 5000 (messages per second)',
  durationMs: 'an integer 100..3600000 (ms)',
  mix: `weights 0..1000 by kind (${byzantineKinds.join(', ')}), at least one above 0`,
  'mix.*': `one of ${byzantineKinds.join(', ')}`,
  targets: `'all', 'validators', 'executors' or a non-empty list of node names`,
  wallet: 'a wallet index of the cluster (≥ 0)',
  joinTimeoutMs: 'an integer 100..300000 (ms)',
  name: 'a string of 1..40 letters, digits, ., - or _',
  '*': 'one of rate, durationMs, mix, targets, wallet, joinTimeoutMs, name',
};

type Parsed = z.output<typeof schema>;

/**
 * A Byzantine gossip peer flooding the cluster (facet `gossip`; `forging` when the mix has
 * invalid txs). Options are checked when it is made; `start` resolves once it joined every
 * target's gossip and began publishing.
 *
 * @example
 * const attacker = await background(byzantinePeer({ rate: 100, durationMs: 20_000 }));
 * await attacker.done;
 * await expect(cluster).toPenalize(attacker, { within: 10_000 });
 * await expect(cluster).toRejectWith(attacker);
 * await expect(cluster).toNeverInclude(attacker);
 */
export function byzantinePeer(options: ByzantinePeerOptions): Workload<StartedByzantinePeer> {
  const parsed = parseOptions(schema, options, 'byzantinePeer options', allowed, 'byzantinePeer');
  const name = parsed.name ?? 'byzantine-peer';
  return { name, start: (cluster) => startByzantinePeer(cluster, parsed, name) };
}

function gossipKitOf(cluster: StartedCluster, name: string): GossipKit {
  requireFacet(cluster, name, 'gossip');
  if (cluster.gossip === undefined)
    throw new WorkloadError(
      name,
      `the ${cluster.facts.adapter} adapter declares gossip but gives no gossip kit`,
    );
  return cluster.gossip;
}

/** 32 seeded bytes: the peer's identity, so a replayed run floods from the same peer id. */
function identitySeed(cluster: StartedCluster, name: string): Uint8Array {
  const rng = cluster.rng.fork(`${name}/identity`);
  return Uint8Array.from({ length: 32 }, () => rng.int(0, 255));
}

function short(peerId: string): string {
  return peerId.length > 16 ? `${peerId.slice(0, 8)}…${peerId.slice(-4)}` : peerId;
}

/** Dials every target and waits until each is subscribed to every topic; throws naming the ones that did not join. */
async function join(
  peer: GossipPeer,
  targets: readonly { node: StartedNode; address: PeerAddress }[],
  timeoutMs: number,
  name: string,
  clock: Clock,
): Promise<void> {
  const deadline = clock.monotonic() + timeoutMs;
  const errors = new Map<string, string>();
  await Promise.all(
    targets.map(async ({ node, address }) => {
      for (const addr of address.addrs) {
        try {
          await peer.dial(addr, Math.max(100, Math.round(deadline - clock.monotonic())));
          errors.delete(node.name);
          return;
        } catch (error) {
          errors.set(node.name, `${addr}: ${(error as Error).message.split('\n', 1)[0]}`);
        }
      }
    }),
  );
  const ids = targets.map((t) => t.address.peerId);
  while (peer.subscribedPeers(ids).length < ids.length && clock.monotonic() < deadline) await clock.sleep(50);
  const joined = new Set(peer.subscribedPeers(ids));
  const connected = new Set(peer.connectedPeers(ids));
  const missing = targets.filter((t) => !joined.has(t.address.peerId));
  if (missing.length === 0) return;
  const why = missing.map(({ node, address }) =>
    errors.has(node.name)
      ? `${node.name} could not be dialled (${errors.get(node.name)})`
      : connected.has(address.peerId)
        ? `${node.name} connected but did not subscribe to every topic`
        : `${node.name} connected, then dropped the connection`,
  );
  throw new WorkloadError(
    name,
    `did not join the gossip of every target within ${timeoutMs} ms: ${why.join('; ')}`,
  );
}

async function startByzantinePeer(
  cluster: StartedCluster,
  p: Parsed,
  name: string,
): Promise<StartedByzantinePeer> {
  const kit = gossipKitOf(cluster, name);
  const mix: ByzantineMix = p.mix ?? defaultMix;
  const rng = cluster.rng.fork(name);
  const choose = kindChooser(mix, rng.fork('kinds'));
  const targets = selectNodes(cluster, p.targets ?? 'all', 'byzantinePeer options', 'byzantinePeer.targets');
  const rec = cluster.recording;
  const clock = systemClock;
  const joinTimeoutMs = p.joinTimeoutMs ?? 15_000;

  // Where each target listens; a deployer that publishes no p2p port leaves the node's own addresses.
  const addresses = await Promise.all(
    targets.map(async (node) => ({ node, address: await kit.dialAddress(node.client, node.p2pEndpoint) })),
  );
  let fuzz: FuzzWallet | undefined;
  if (choose.kinds.includes('invalid-txs')) {
    fuzz = await primeFuzzWallet(cluster, name, {
      wallet: p.wallet,
      node: targets[0]!,
      targets,
      subject: 'byzantinePeer options',
      path: 'byzantinePeer.wallet',
    });
  }
  const stale = await kit.staleMessages(targets[0]!.client, 32);
  if (stale.length === 0 && (choose.kinds.includes('stale') || choose.kinds.includes('replay')))
    throw new WorkloadError(
      name,
      `${targets[0]!.name} has no old chain content to replay yet; start the peer once blocks exist`,
    );

  const peer = await startGossipPeer({ kit, seed: identitySeed(cluster, name) });
  const watch = cluster.observer.watchGossip([peer.peerId]);
  try {
    await join(peer, addresses, joinTimeoutMs, name, clock);
  } catch (error) {
    watch[Symbol.dispose]();
    await peer.stop();
    const hint = targets.some((t) => t.p2pEndpoint === undefined)
      ? ` (the ${cluster.deployer.name} deployer publishes no p2p port to this machine; the nodes' own addresses were tried)`
      : '';
    throw hint === ''
      ? error
      : new WorkloadError(name, `${(error as Error).message}${hint}`, { cause: error });
  }

  const source = messageSource({
    kit,
    stale,
    received: () => peer.received(),
    rng: rng.fork('messages'),
    ...(fuzz === undefined ? {} : { fuzz: { ...fuzz, client: targets[0]!.client } }),
  });
  const targetNames = targets.map((t) => t.name);
  const sent = Object.fromEntries(byzantineKinds.map((k) => [k, 0])) as Record<ByzantineKind, number>;
  const attempts: GossipAttempt[] = [];
  let bytes = 0;
  let unheard = 0;
  let first: number | undefined;
  let last = 0;
  const queue: PlannedMessage[] = [];
  // Every kind of invalid tx goes out first, before any penalty can make the nodes stop reading.
  let nextKind: () => ByzantineKind = () => {
    nextKind = () => choose.next();
    return choose.kinds.includes('invalid-txs') ? 'invalid-txs' : choose.next();
  };

  const publish = async (m: PlannedMessage): Promise<void> => {
    const at = rec.now();
    const reached = await peer.publish(m);
    first ??= at;
    last = at;
    sent[m.kind]++;
    bytes += m.data.byteLength;
    if (reached === 0) unheard++;
    for (const c of m.cases) {
      attempts.push({ ...c, at, targets: targetNames });
      if (c.id !== undefined && !c.duplicate)
        rec.recordGossipTx({
          id: c.id,
          workload: name,
          kind: c.case.kind,
          expected: [...c.expected],
          sentAt: at,
          targets: targetNames,
        });
    }
  };

  const start = rec.now();
  rec.addGossipPeer({ workload: name, peerId: peer.peerId, targets: targetNames, start });
  const fault = rec.openFault(
    'byzantine-peer',
    // The nodes must withstand the flood: no node is excused from any expectation meanwhile.
    [],
    `byzantinePeer(${short(peer.peerId)} → ${targetNames.join(',')}, ${p.rate} msg/s for ${(p.durationMs / 1000).toFixed(1)}s)`,
  );
  const ac = new AbortController();

  const flood = async (): Promise<void> => {
    const began = clock.monotonic();
    const elapsed = (): number => clock.monotonic() - began;
    const due = paced(p.rate, { durationMs: p.durationMs })[Symbol.iterator]();
    let next = due.next();
    // It stops at `durationMs` even when behind schedule: what it could not send stays unsent.
    while (!next.done && !ac.signal.aborted && elapsed() < p.durationMs) {
      if (next.value > elapsed()) {
        try {
          await clock.sleep(Math.max(1, next.value - elapsed()), ac.signal);
        } catch {
          break;
        }
        continue;
      }
      if (queue.length === 0) queue.push(...(await source.make(nextKind())));
      await publish(queue.shift()!);
      next = due.next();
      // Behind schedule this loop would await only microtasks and starve timers and sockets
      // (the observer's samples, the nodes' answers): let the event loop turn between publishes.
      await yieldToEventLoop();
    }
  };

  const summaryOf = (): ByzantineSummary => {
    const messages = Object.values(sent).reduce((a, b) => a + b, 0);
    const from = first ?? start;
    const span = Math.max(1, last - from);
    return {
      peerId: peer.peerId,
      targets: targetNames,
      from,
      to: last,
      messages,
      byKind: { ...sent },
      bytes,
      rate: messages <= 1 ? messages : Math.round(((messages - 1) * 1000 * 10) / span) / 10,
      planned: Math.ceil((p.rate * p.durationMs) / 1000),
      unheard,
    };
  };

  let summary: ByzantineSummary | undefined;
  const done = (async (): Promise<ByzantineSummary> => {
    try {
      await flood();
      // One last look at every node's view while the peer is still connected.
      await cluster.observer.refresh();
    } finally {
      rec.endGossipPeer(peer.peerId, { ...sent });
      fault.end();
      watch[Symbol.dispose]();
      await peer.stop();
    }
    summary = summaryOf();
    return summary;
  })();
  void done.catch(() => undefined);

  let stopped: Promise<void> | undefined;
  const started: StartedByzantinePeer = {
    name,
    via: 'gossip',
    peerId: peer.peerId,
    targets: targetNames,
    done,
    summary: () => summary,
    sent: () => ({ ...sent }),
    attempts: () => attempts.slice(),
    ids: () => [...new Set(attempts.filter((a) => a.id !== undefined && !a.duplicate).map((a) => a.id!))],
    duplicateOf: () => (fuzz === undefined ? [] : [fuzz.primedId]),
    // It submits nothing to any API: its txs are in `attempts()` and the recording's gossipTxs.
    submitted: (): TxRecord[] => [],
    stop() {
      stopped ??= (async () => {
        ac.abort();
        await done.catch(() => undefined);
      })();
      return stopped;
    },
    [Symbol.asyncDispose]() {
      return this.stop();
    },
  };
  cluster.defer(started);
  return started;
}
