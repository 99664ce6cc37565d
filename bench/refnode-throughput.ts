/**
 * refnode throughput benchmark: included tx/s on a local validator cluster at several offered
 * rates in one run (1×, 1.5×, 2× a capacity), what was refused and why, and whether blocks
 * stayed on schedule; plus the per-tx validation cost inside one process.
 *
 *   npx node bench/refnode-throughput.ts --capacity 3000            # phases at 3000, 4500, 6000 tx/s
 *   npx node bench/refnode-throughput.ts --rates 1000,2000 --seconds 15
 *   [--validators 4] [--slot-ms 250] [--wallets 2000] [--seconds 15] [--warmup 3] [--hog N] [--links]
 *   [--admission maxVerifyWaitMs=250,maxPendingTxs=3000]   # the nodes' `admission` config (refnode defaults otherwise)
 *
 * Every tx is signed before the cluster starts, so the client spends its CPU on sending only.
 * Each phase offers `rate` tx/s as `POST /txs` arrays (100 ms ticks, one request per node and
 * tick, wallet i always to node i mod n). A refused tx (any code but `duplicate`) is offered
 * again later with the same nonce, as a client honouring the refusal would; its sender's later
 * txs go on. Per phase it counts, over the window after the warm-up: txs in best-chain blocks
 * whose slot started inside it (on val-0), blocks made vs blocks due (slots in the window that
 * at least one validator wins, computed from the validators' keys with the lottery), refusals by
 * code, the nodes' CPU (from /proc), reorgs, and Δ: how long after its slot started each block
 * had reached every node (from the nodes' `/events` feeds). `--hog N` keeps N extra processes spinning on the CPU
 * meanwhile (a busy CI neighbour; each is killed at the end). `--links` puts chainlab's link
 * proxy (src/links/proxy, open links, 0 ms) on every node-to-node connection, as a cluster
 * with `links: true` has it: each node reads a strict peers file of proxy addresses; the
 * proxy's CPU is reported per phase. Prints one JSON line.
 *
 * Profile the nodes with `REFNODE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"` and read the
 * profiles with `npx node bench/profile-top.ts /tmp/prof`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { LedgerState } from '../refnode/src/chain/ledger.ts';
import { proofDraw, slotProof, winProbability } from '../refnode/src/chain/lottery.ts';
import { checkTxShape, isRejection, VerifyCache } from '../refnode/src/chain/tx-check.ts';
import { createTxSigner, privateKeyFromSeed, type SignedTx } from '../refnode/src/codec.ts';
import {
  type GenesisSet,
  type RunningNode,
  waitFor,
  writeBook,
  writeGenesis,
} from '../refnode/test/cluster.ts';
import { LinkProxyClient } from '../src/links/proxy-client.ts';
import { linkProxyEntry, parseProxyReadyLine } from '../src/links/proxy-launch.ts';
import { cpuSeconds } from './proc-cpu.ts';

const { values } = parseArgs({
  options: {
    capacity: { type: 'string' },
    rates: { type: 'string' },
    rate: { type: 'string' },
    seconds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    'slot-ms': { type: 'string', default: '250' },
    validators: { type: 'string', default: '4' },
    wallets: { type: 'string', default: '2000' },
    hog: { type: 'string', default: '0' },
    links: { type: 'boolean', default: false },
    admission: { type: 'string' },
  },
});
const rates = values.capacity
  ? [1, 1.5, 2].map((level) => Math.round(Number(values.capacity) * level))
  : (values.rates ?? values.rate ?? '1500').split(',').map(Number);
const seconds = Number(values.seconds);
const warmupMs = Number(values.warmup) * 1000;
const slotMs = Number(values['slot-ms']);
const validators = Number(values.validators);
const walletCount = Number(values.wallets);
const hogs = Number(values.hog);
/** `admission` keys for every node's config file, e.g. `maxVerifyWaitMs=250,maxLoopLagMs=200`. */
const admissionKeys = ['verifyWorkers', 'maxVerifyWaitMs', 'maxLoopLagMs', 'maxPendingTxs'];
const admission: Record<string, number> = Object.fromEntries(
  (values.admission ?? '')
    .split(',')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const [key, value] = pair.split('=');
      if (!admissionKeys.includes(key!) || !/^\d+$/.test(value ?? ''))
        throw new Error(`--admission: "${pair}" is not one of ${admissionKeys.join(', ')} = an integer`);
      return [key!, Number(value)];
    }),
);
const tickMs = 100;

/** The validation cost of one tx inside one process: shape + signature (cold / cached) + ledger apply. */
function measureValidation(set: GenesisSet): { coldUsPerTx: number; cachedUsPerTx: number } {
  const wallets = set.wallets.slice(0, 100);
  const sample = Array.from({ length: 3000 }, (_, i) =>
    set.tx(i % wallets.length, (i + 1) % wallets.length, { nonce: Math.floor(i / wallets.length) }),
  );
  const cache = new VerifyCache();
  const state = LedgerState.fromBalances(Object.fromEntries(set.wallets.map((w) => [w.address, w.balance])));
  const started = performance.now();
  for (const tx of sample) {
    const checked = checkTxShape(tx, set.chainId, 1);
    if (
      isRejection(checked) ||
      !cache.verify(checked.tx, checked.id) ||
      state.applyTx(checked.tx, wallets[0]!.address)
    )
      throw new Error('bad sample');
  }
  const coldUs = ((performance.now() - started) * 1000) / sample.length;
  const warmStart = performance.now();
  for (const tx of sample) {
    const checked = checkTxShape(tx, set.chainId, 1);
    if (isRejection(checked) || !cache.verify(checked.tx, checked.id)) throw new Error('bad sample');
  }
  const warmUs = ((performance.now() - warmStart) * 1000) / sample.length;
  return { coldUsPerTx: Number(coldUs.toFixed(1)), cachedUsPerTx: Number(warmUs.toFixed(1)) };
}

/** Per wallet, its transfers with nonces 0, 1, 2, … signed up front; `next` is the next nonce to offer. */
interface Sender {
  txs: SignedTx[];
  next: number;
}

function signAll(set: GenesisSet, total: number): Sender[] {
  const depth = Math.ceil((total * 1.5) / walletCount) + 64;
  return set.wallets.map((wallet, index) => {
    const sign = createTxSigner(wallet.secretKey);
    const to = set.wallets[(index + 1) % walletCount]!.address;
    const txs = Array.from({ length: depth }, (_, nonce) =>
      sign({ chainId: set.chainId, from: wallet.address, to, amount: 1, fee: 1, nonce }),
    );
    return { txs, next: 0 };
  });
}

/** Slots in [from, to) (ms) that at least one validator wins: the blocks due if every one is made. */
function slotsWon(set: GenesisSet, fromMs: number, toMs: number): number {
  const genesis = JSON.parse(readFileSync(`${set.dir}/genesis.json`, 'utf8'));
  const stakes: number[] = genesis.validators.map((v: { stake: number }) => v.stake);
  const total = stakes.reduce((sum, stake) => sum + stake, 0);
  const keys = stakes.map((stake, i) => ({
    secret: privateKeyFromSeed(JSON.parse(readFileSync(set.configPath(i), 'utf8')).secretKey),
    chance: winProbability(genesis.activeSlotCoeff, stake / total),
  }));
  const first = Math.ceil((fromMs - genesis.genesisTime) / genesis.slotMs);
  const last = Math.ceil((toMs - genesis.genesisTime) / genesis.slotMs);
  let won = 0;
  for (let slot = first; slot < last; slot++) {
    if (keys.some((k) => proofDraw(slotProof(k.secret, genesis.epochNonce, slot)) < k.chance)) won++;
  }
  return won;
}

interface Offer {
  /** When the last batch went out (answers may come later). */
  endedAt: number;
  sent: number;
  accepted: number;
  refused: Record<string, number>;
  failedRequests: number;
}

/** Offers `rate` tx/s for `ms`, open loop; refused txs are re-offered later with the same nonce. */
async function offer(nodes: RunningNode[], senders: Sender[], rate: number, ms: number): Promise<Offer> {
  const result: Offer = { endedAt: 0, sent: 0, accepted: 0, refused: {}, failedRequests: 0 };
  const refuse = (code: string, n = 1) => {
    result.refused[code] = (result.refused[code] ?? 0) + n;
  };
  const perTick = Math.round((rate * tickMs) / 1000);
  let cursor = 0;
  const inflight = new Set<Promise<void>>();
  const startedAt = Date.now();
  for (let tick = 0; Date.now() - startedAt < ms; tick++) {
    const batches: { sender: Sender; tx: SignedTx }[][] = nodes.map(() => []);
    for (let i = 0; i < perTick; i++) {
      const index = cursor++ % walletCount;
      const sender = senders[index]!;
      const tx = sender.txs[sender.next];
      if (tx === undefined) continue;
      sender.next++;
      batches[index % nodes.length]!.push({ sender, tx });
    }
    nodes.forEach((node, n) => {
      const batch = batches[n]!;
      if (batch.length === 0) return;
      result.sent += batch.length;
      // A refused tx goes back: its sender offers that nonce again next time round.
      const rewind = (...indexes: number[]) => {
        for (const i of indexes) {
          const { sender, tx } = batch[i]!;
          sender.next = Math.min(sender.next, tx.nonce);
        }
      };
      const all = batch.map((_, i) => i);
      const request = node
        .post(
          '/txs',
          batch.map((b) => b.tx),
        )
        .then((res) => {
          if (res.status !== 202) {
            refuse(res.body?.error?.code ?? `http_${res.status}`, batch.length);
            rewind(...all);
            return;
          }
          (res.body.results as { id?: string; error?: { code: string } }[]).forEach((r, i) => {
            if (r.error === undefined || r.error.code === 'duplicate') result.accepted++;
            else {
              refuse(r.error.code);
              rewind(i);
            }
          });
        })
        .catch(() => {
          result.failedRequests++;
          rewind(...all);
        })
        .finally(() => inflight.delete(request));
      inflight.add(request);
    });
    const wait = startedAt + (tick + 1) * tickMs - Date.now();
    if (wait > 0) await new Promise((ok) => setTimeout(ok, wait));
  }
  result.endedAt = Date.now();
  await Promise.all(inflight);
  return result;
}

/** Txs and blocks on val-0's best chain whose slot started in [from, to). */
async function chainBetween(node: RunningNode, from: number, to: number) {
  const info = await node.info();
  let txs = 0;
  let blocks = 0;
  let maxTxs = 0;
  for (let h = 1; h <= info.height; h += 500) {
    const res = await node.get(`/blocks?from=${h}&to=${Math.min(h + 499, info.height)}`);
    for (const block of res.body.blocks as { timestamp: number; txs: unknown[] }[]) {
      if (block.timestamp < from || block.timestamp >= to) continue;
      txs += block.txs.length;
      blocks++;
      maxTxs = Math.max(maxTxs, block.txs.length);
    }
  }
  return { txs, blocks, maxTxs };
}

/** Sum over nodes of one unlabelled-but-`node` metric from `/metrics`, and its maximum. */
async function metric(nodes: RunningNode[], name: string): Promise<{ sum: number; max: number }> {
  const values = await Promise.all(
    nodes.map(async (node) => {
      const text = await (await fetch(`${node.api}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
      return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
    }),
  );
  return { sum: values.reduce((a, b) => a + b, 0), max: Math.max(...values) };
}

/**
 * Every node's `/events` block feed: when each block reached each node (ms since the epoch).
 * A block's Δ (slot start → on every node) is the delay that finality's safety depends on.
 */
function watchBlocks(nodes: RunningNode[]): {
  arrivals: Map<string, { timestamp: number; at: number[] }>;
  stop(): void;
} {
  const arrivals = new Map<string, { timestamp: number; at: number[] }>();
  const controller = new AbortController();
  nodes.forEach(async (node) => {
    try {
      const res = await fetch(`${node.api}/events`, { signal: controller.signal });
      const decoder = new TextDecoder();
      let buffered = '';
      for await (const chunk of res.body!) {
        buffered += decoder.decode(chunk, { stream: true });
        for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
          const frame = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          if (!frame.startsWith('event: block\n')) continue;
          const { hash, timestamp } = JSON.parse(frame.slice(frame.indexOf('data: ') + 6));
          const seen = arrivals.get(hash) ?? { timestamp, at: [] as number[] };
          seen.at.push(Date.now());
          arrivals.set(hash, seen);
        }
      }
    } catch {
      // Aborted at the end.
    }
  });
  return { arrivals, stop: () => controller.abort() };
}

/** Δ percentiles (ms) of the blocks whose slot started in [from, to) and reached every node. */
function deltas(
  arrivals: Map<string, { timestamp: number; at: number[] }>,
  nodes: number,
  from: number,
  to: number,
) {
  const ms = [...arrivals.values()]
    .filter((b) => b.timestamp >= from && b.timestamp < to && b.at.length >= nodes)
    .map((b) => Math.max(...b.at) - b.timestamp)
    .sort((a, b) => a - b);
  const at = (q: number) =>
    ms.length === 0 ? undefined : ms[Math.min(ms.length - 1, Math.floor(q * ms.length))];
  return { blocks: ms.length, p50: at(0.5), p90: at(0.9), max: ms.at(-1) };
}

async function mempoolSizes(nodes: RunningNode[]): Promise<number[]> {
  return Promise.all(nodes.map(async (n) => (await n.get('/mempool')).body.size as number));
}

await using set = await writeGenesis({
  validators,
  wallets: walletCount,
  slotMs,
  activeSlotCoeff: 0.5,
  securityParam: 10,
  seed: 'bench',
});
const validation = measureValidation(set);
console.error(
  `validation: ${validation.coldUsPerTx} µs/tx cold (shape + ed25519 verify + apply), ${validation.cachedUsPerTx} µs/tx with the verify cache`,
);
const signStart = performance.now();
const senders = signAll(
  set,
  rates.reduce((sum, r) => sum + r * (seconds + warmupMs / 1000), 0),
);
console.error(
  `signed ${senders.length * senders[0]!.txs.length} txs in ${Math.round(performance.now() - signStart)} ms`,
);

/** With `--links`: the link proxy, one open link per ordered pair, and each node's peers file of proxy addresses. */
async function startLinks(set: GenesisSet): Promise<{ proxy: ChildProcess; args: (i: number) => string[] }> {
  const proxy = spawn(process.execPath, [linkProxyEntry(), '--control-port', '0', '--seed', '1'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  process.once('exit', () => proxy.kill('SIGKILL'));
  let url: string | undefined;
  for await (const line of createInterface({ input: proxy.stdout! })) {
    url = parseProxyReadyLine(line)?.apiUrl;
    if (url) break;
  }
  if (!url) throw new Error('the link proxy exited before its ready line');
  const configs = Array.from({ length: validators }, (_, i) => set.config(i));
  const pairs = configs.flatMap((from, i) => configs.flatMap((to, j) => (i === j ? [] : [{ from, to }])));
  const added = await new LinkProxyClient(url).addLinks(
    pairs.map(({ from, to }) => ({
      from: from.nodeId,
      to: to.nodeId,
      target: { host: '127.0.0.1', port: to.p2p.port },
    })),
  );
  const portOf = new Map(added.map((l) => [l.id, l.port]));
  for (const [i, from] of configs.entries())
    writeBook(
      set.bookPath(`node-${i}`),
      configs
        .filter((_, j) => j !== i)
        .map((to) => ({
          peerId: to.peerId,
          name: to.nodeId,
          addrs: [`/ip4/127.0.0.1/tcp/${portOf.get(`${from.nodeId}>${to.nodeId}`)}`],
        })),
    );
  return { proxy, args: (i) => ['--peers=', '--peers-file', set.bookPath(`node-${i}`)] };
}

if (Object.keys(admission).length > 0)
  for (let i = 0; i < validators; i++) {
    const config = set.config(i) as Record<string, unknown>;
    writeFileSync(
      set.configPath(i),
      JSON.stringify({ ...config, admission: { ...(config.admission as object), ...admission } }),
    );
  }
const links = values.links ? await startLinks(set) : undefined;
const nodes: RunningNode[] = await Promise.all(
  Array.from({ length: validators }, (_, i) => set.start(i, links?.args(i) ?? [])),
);
await waitFor(
  async () => (await Promise.all(nodes.map((n) => n.info()))).every((i) => i.peers >= validators - 1),
  20_000,
  'full mesh',
);
const feed = watchBlocks(nodes);
// A busy neighbour: plain spinning processes at the same priority as the nodes.
const hogProcesses: ChildProcess[] = Array.from({ length: hogs }, () =>
  spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
);
process.once('exit', () => {
  for (const hog of hogProcesses) hog.kill('SIGKILL');
});
const phases = [];
for (const rate of rates) {
  console.error(
    `offering ${rate} tx/s for ${warmupMs / 1000} + ${seconds} s (${validators} validators, slot ${slotMs} ms, f 0.5)`,
  );
  const startedAt = Date.now();
  const cpuBefore = nodes.map((n) => cpuSeconds(n.child.pid!));
  const proxyBefore = links ? cpuSeconds(links.proxy.pid!) : 0;
  const reorgsBefore = (await metric(nodes, 'refnode_reorgs_total')).sum;
  const cutBefore = (await metric(nodes, 'refnode_blocks_cut_by_budget_total')).sum;
  const wholeBefore = (await metric(nodes, 'refnode_blocks_fetched_whole_total')).sum;
  const shedBefore = (await metric(nodes, 'refnode_gossip_tx_messages_shed_total')).sum;
  const clientBefore = process.cpuUsage();
  const offered = await offer(nodes, senders, rate, warmupMs + seconds * 1000);
  const { endedAt } = offered;
  const cpu = nodes.map((n, i) => cpuSeconds(n.child.pid!) - cpuBefore[i]!);
  const proxyCpu = links ? cpuSeconds(links.proxy.pid!) - proxyBefore : undefined;
  const client = process.cpuUsage(clientBefore);
  const cpuSec = (Date.now() - startedAt) / 1000;
  const mempoolAtEnd = await mempoolSizes(nodes);
  // Let the blocks of the window's last slots arrive, then drain before the next phase.
  await new Promise((ok) => setTimeout(ok, 2000));
  const windowStart = startedAt + warmupMs;
  const windowSec = (endedAt - windowStart) / 1000;
  const chain = await chainBetween(nodes[0]!, windowStart, endedAt);
  const due = slotsWon(set, windowStart, endedAt);
  const mempool = (await nodes[0]!.get('/mempool')).body;
  const reorgs = (await metric(nodes, 'refnode_reorgs_total')).sum - reorgsBefore;
  const blocksCut = (await metric(nodes, 'refnode_blocks_cut_by_budget_total')).sum - cutBefore;
  const fetchedWhole = (await metric(nodes, 'refnode_blocks_fetched_whole_total')).sum - wholeBefore;
  const gossipShed = (await metric(nodes, 'refnode_gossip_tx_messages_shed_total')).sum - shedBefore;
  const deepestReorg = (await metric(nodes, 'refnode_reorg_depth_max')).max;
  const phase = {
    offeredTxPerSec: rate,
    sentTxPerSec: Math.round(offered.sent / ((endedAt - startedAt) / 1000)),
    includedTxPerSec: Math.round(chain.txs / windowSec),
    acceptedTxPerSec: Math.round(offered.accepted / ((endedAt - startedAt) / 1000)),
    refused: offered.refused,
    failedRequests: offered.failedRequests,
    blocksDue: due,
    blocksMade: chain.blocks,
    maxTxsPerBlock: chain.maxTxs,
    blocksCutByBudget: blocksCut,
    // Over all nodes: gossiped blocks they had to fetch whole (txs missing from their mempool)
    // and tx gossip messages they dropped unread (backlog or lag too long).
    blocksFetchedWhole: fetchedWhole,
    gossipTxMessagesShed: gossipShed,
    reorgs,
    deepestReorgSoFar: deepestReorg,
    blockDeltaMs: deltas(feed.arrivals, nodes.length, windowStart, endedAt),
    windowSec,
    mempoolAtEnd,
    rejectedCountsVal0: mempool.rejected,
    // Over the offer plus the wait for its last answers: the span the counters were read across.
    nodeCpuSecPerSec: Number((cpu.reduce((a, b) => a + b, 0) / cpuSec).toFixed(2)),
    clientCpuSecPerSec: Number(((client.user + client.system) / 1e6 / cpuSec).toFixed(2)),
    ...(proxyCpu === undefined ? {} : { linkProxyCpuSecPerSec: Number((proxyCpu / cpuSec).toFixed(2)) }),
  };
  console.error(JSON.stringify(phase));
  phases.push(phase);
  await waitFor(
    async () => (await mempoolSizes(nodes)).every((size) => size === 0),
    15_000,
    'mempools to drain',
  ).catch(() => console.error('mempools did not drain in 15 s; the next phase starts anyway'));
}
for (const hog of hogProcesses) hog.kill('SIGKILL');
links?.proxy.kill('SIGTERM');
feed.stop();
const peak = Math.max(...phases.map((p) => p.includedTxPerSec));
console.log(
  JSON.stringify({
    bench: 'refnode-throughput',
    validators,
    slotMs,
    wallets: walletCount,
    hogs,
    links: values.links,
    admission,
    ...validation,
    peakIncludedTxPerSec: peak,
    lastOverPeak: Number((phases.at(-1)!.includedTxPerSec / peak).toFixed(2)),
    phases,
  }),
);
