/**
 * refnode data-availability throughput: blobs/s certified and included on a local cluster of
 * 4 validators + 2 executors, with 64 KiB blobs on 2 channels (one per executor) alongside a
 * steady 15 tx/s transfer load.
 *
 *   npx node bench/da-throughput.ts [--blob-rate 8] [--blob-kib 64] [--tx-rate 15] [--seconds 30] [--slot-ms 200]
 *
 * Offers `blob-rate` blobs per second in total (at most 4 in flight per channel; the rest are
 * counted as deferred, as a publisher would hold them back), then reports, over the offering window:
 * blobs accepted, certified (GET /da/blobs/:id on the executor) and included (certificates in
 * best-chain blocks on val-0 whose slot started in the window), the certification and inclusion
 * latencies, and the tx inclusion alongside. Prints one JSON line.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createTxSigner, type SignedTx } from '../refnode/src/codec.ts';
import { createBlobSigner } from '../refnode/src/da/blob.ts';
import { type RunningNode, waitFor, writeGenesis } from '../refnode/test/cluster.ts';

const { values } = parseArgs({
  options: {
    'blob-rate': { type: 'string', default: '8' },
    'blob-kib': { type: 'string', default: '64' },
    'tx-rate': { type: 'string', default: '15' },
    seconds: { type: 'string', default: '30' },
    'slot-ms': { type: 'string', default: '200' },
  },
});
const blobRate = Number(values['blob-rate']);
const blobBytes = Number(values['blob-kib']) * 1024;
const txRate = Number(values['tx-rate']);
const seconds = Number(values.seconds);
const slotMs = Number(values['slot-ms']);

await using set = await writeGenesis({
  validators: 4,
  executors: 2,
  wallets: 20,
  slotMs,
  activeSlotCoeff: 0.5,
  securityParam: 10,
  seed: 'da-bench',
});
const nodes: RunningNode[] = [];
for (let i = 0; i < 6; i++) nodes.push(await set.start(i)); // one at a time: cold starts compete for CPU
await waitFor(
  async () => (await Promise.all(nodes.map((n) => n.info()))).every((i) => i.peers >= 5),
  30_000,
  'full mesh',
);
const executors = [nodes[4]!, nodes[5]!];
const validators = nodes.slice(0, 4);
console.error(
  `cluster up (4 validators + 2 executors); offering ${blobRate} blobs/s of ${blobBytes} bytes + ${txRate} tx/s for ${seconds} s`,
);

const owners = [set.wallets[18]!, set.wallets[19]!];
const blobSigners = owners.map((o) => createBlobSigner(o.secretKey));
const sequences = [0, 0];
const txSigners = set.wallets.slice(0, 18).map((w) => createTxSigner(w.secretKey));
const nonces = new Array<number>(18).fill(0);
let txCursor = 0;
const nextTx = (): SignedTx => {
  const from = txCursor++ % 18;
  return txSigners[from]!({
    chainId: set.chainId,
    from: set.wallets[from]!.address,
    to: set.wallets[(from + 1) % 18]!.address,
    amount: 1,
    fee: 1,
    nonce: nonces[from]!++,
  });
};

/** JSON over HTTP with a deadline, so one stuck request cannot hang the benchmark. */
// biome-ignore lint/suspicious/noExplicitAny: JSON answers of several routes, read field by field
async function call(node: RunningNode, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(node.api + path, {
    method: body === undefined ? 'GET' : 'POST',
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.json() };
}

const blobs: { id: string; channel: number; sentAt: number; certifiedAt?: number }[] = [];
let blobsRefused = 0;
let offered = 0;
let deferred = 0;
const inFlight = [0, 0];
const maxInFlightPerChannel = 4;
let txsSent = 0;
let txsRefused = 0;
const inflight = new Set<Promise<unknown>>();
const track = (p: Promise<unknown>) => {
  inflight.add(p);
  void p.finally(() => inflight.delete(p));
};
// Certification times: the executors are polled for uncertified blobs every 250 ms.
const startedAt = Date.now();
let polling = true;
let lastReport = Date.now();
const poller = (async () => {
  while (polling) {
    const waiting = blobs.filter((b) => b.certifiedAt === undefined);
    await Promise.all(
      waiting.map(async (b) => {
        const { body } = await call(executors[b.channel]!, `/da/blobs/${b.id}`);
        if (body.status === 'certified' || body.status === 'included') b.certifiedAt ??= Date.now();
      }),
    ).catch(() => undefined);
    if (Date.now() - lastReport > 5000) {
      lastReport = Date.now();
      console.error(
        `t=${((Date.now() - startedAt) / 1000).toFixed(0)}s accepted ${blobs.length}, certified ${blobs.length - blobs.filter((b) => b.certifiedAt === undefined).length}, refused ${blobsRefused}`,
      );
    }
    await new Promise((ok) => setTimeout(ok, 250));
  }
})();
const tickMs = 100;
let tick = 0;
let blobCredit = 0;
let txCredit = 0;
while (Date.now() - startedAt < seconds * 1000) {
  blobCredit += (blobRate * tickMs) / 1000;
  txCredit += (txRate * tickMs) / 1000;
  while (blobCredit >= 1) {
    blobCredit--;
    const channel = offered++ % 2;
    // Like a real publisher, keep at most a few publishes per channel in flight: a sequence
    // refused or overtaken by more than the executor's gap would leave a hole in the channel.
    if (inFlight[channel]! >= maxInFlightPerChannel) {
      deferred++;
      continue;
    }
    inFlight[channel]!++;
    const body = blobSigners[channel]!({
      chainId: set.chainId,
      channel: `bench-${channel}`,
      owner: owners[channel]!.address,
      sequence: sequences[channel]!++,
      data: randomBytes(blobBytes),
    });
    const sentAt = Date.now();
    track(
      call(executors[channel]!, '/da/blobs', body)
        .then(
          (res) => {
            if (res.status === 202) blobs.push({ id: res.body.id, channel, sentAt });
            else {
              blobsRefused++;
              if (blobsRefused <= 3)
                console.error(`blob refused: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
            }
          },
          () => blobsRefused++,
        )
        .finally(() => inFlight[channel]!--),
    );
  }
  if (txCredit >= 1) {
    const batch = Array.from({ length: Math.floor(txCredit) }, nextTx);
    txCredit -= batch.length;
    track(
      call(validators[tick % 4]!, '/txs', batch).then(
        (res) => {
          txsSent += batch.length;
          txsRefused += (res.body.results as { error?: unknown }[]).filter((r) => r.error).length;
        },
        () => (txsRefused += batch.length),
      ),
    );
  }
  tick++;
  const wait = startedAt + tick * tickMs - Date.now();
  if (wait > 0) await new Promise((ok) => setTimeout(ok, wait));
}
await Promise.all(inflight);
const endedAt = Date.now();
// Let the last blobs certify and land (at most 15 s).
const settleUntil = Date.now() + 15_000;
while (Date.now() < settleUntil && blobs.some((b) => b.certifiedAt === undefined))
  await new Promise((ok) => setTimeout(ok, 250));
polling = false;
await poller;
await new Promise((ok) => setTimeout(ok, 3000));
const info = await validators[0]!.info();
const includedAt = new Map<string, number>();
let txsIncluded = 0;
for (let from = 1; from <= info.height; from += 500) {
  const { body } = await call(validators[0]!, `/blocks?from=${from}&to=${Math.min(from + 499, info.height)}`);
  for (const block of body.blocks as { timestamp: number; txs: unknown[]; da: { id: string }[] }[]) {
    for (const cert of block.da) includedAt.set(cert.id, block.timestamp);
    if (block.timestamp >= startedAt && block.timestamp < endedAt) txsIncluded += block.txs.length;
  }
}
const windowSec = (endedAt - startedAt) / 1000;
const certified = blobs.filter((b) => b.certifiedAt !== undefined);
const included = blobs.filter((b) => includedAt.has(b.id));
const includedInWindow = blobs.filter((b) => (includedAt.get(b.id) ?? Infinity) < endedAt);
const median = (xs: number[]) => (xs.length ? xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : null);
const daInfo = await Promise.all(nodes.map(async (n) => (await call(n, '/info')).body.da));
// CPU seconds each node used since start (prom-client default metric), to see where time goes.
const cpu = await Promise.all(
  nodes.map(async (n) => {
    const text = await (await fetch(`${n.api}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
    const line = text.split('\n').find((l) => !l.startsWith('#') && /process_cpu_seconds_total[{ ]/.test(l));
    return Number(Number(line?.split(' ').at(-1) ?? Number.NaN).toFixed(1));
  }),
);
const result = {
  validators: 4,
  executors: 2,
  slotMs,
  blobBytes,
  offeredBlobsPerSec: blobRate,
  offeredTxPerSec: txRate,
  windowSec: Number(windowSec.toFixed(1)),
  blobsOffered: offered,
  blobsDeferred: deferred,
  blobsAccepted: blobs.length,
  blobsRefused,
  blobsCertified: certified.length,
  blobsIncluded: included.length,
  certifiedPerSec: Number((certified.length / windowSec).toFixed(2)),
  includedPerSecInWindow: Number((includedInWindow.length / windowSec).toFixed(2)),
  // Polled every 250 ms from a busy client: an upper bound.
  medianCertifyMs: median(certified.map((b) => b.certifiedAt! - b.sentAt)),
  medianIncludeMs: median(included.map((b) => includedAt.get(b.id)! - b.sentAt)),
  txsSent,
  txsRefused,
  txsIncludedPerSec: Number((txsIncluded / windowSec).toFixed(2)),
  retrievalFailures: daInfo.reduce((sum, d) => sum + (d?.retrievalFailures ?? 0), 0),
  cpuSecondsPerNode: Object.fromEntries(
    ['val-0', 'val-1', 'val-2', 'val-3', 'exe-0', 'exe-1'].map((name, i) => [name, cpu[i]]),
  ),
};
console.log(JSON.stringify(result));
