/**
 * Cluster start cost, as ratios measured in one run (so machine load affects all alike):
 *   chainlab: `Cluster.start()` of 4 validators + 2 executors until ready (what the
 *             fixture awaits: genesis, 6 refnode processes serving, every node ≥ 1 peer),
 *             split into its phases from the cluster's story log: chain prepared (genesis),
 *             every node serving, every node peered;
 *   bare refnode: the same genesis CLI + the same 6 `refnode run` processes, from the same
 *             entry file chainlab starts (the bundle after `npm run build`), spawned by hand
 *             until each printed its ready line (no chainlab, no peering wait);
 *   bare node: 6 `node -e` processes that print a line at once (pure process start).
 * Rounds alternate between the three to spread load drift evenly.
 *
 *   npx node bench/core-start.ts [--rounds 3]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { processSockets } from '../refnode/test/net-probe.ts';
import { refnodeEntry } from '../src/adapter/refnode/entry.ts';
import { listRunProcesses } from '../src/cluster/cleanup/sweeper.ts';
import { Cluster } from '../src/cluster/cluster.ts';
import { freePorts } from '../src/deployers/local/free-port.ts';
import { cpuSeconds } from './proc-cpu.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const rounds = Number(values.rounds);
const repo = join(import.meta.dirname, '..');
const refnode = refnodeEntry();
const V = 4;
const E = 2;

function waitLine(
  args: string[],
  match: (line: string) => boolean,
): { done: Promise<void>; kill(): Promise<void> } {
  const child = spawn(process.execPath, args, { cwd: repo, stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const done = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (l) => match(l) && resolve());
    child.once('exit', (code) => reject(new Error(`exited ${code} before its line`)));
  });
  done.catch(() => {});
  return {
    done,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** ms from the start to each phase of chainlab's start, from the lines its story log writes. */
const phases: Record<string, number[]> = { prepared: [], serving: [], peered: [] };
/** CPU ms the cluster's node processes had used when the cluster was ready (all six summed). */
const nodeCpuMs: number[] = [];
/** TCP connections among the six nodes when the cluster was ready (15 pairs: more means a pair connected twice). */
const nodeConnections: number[] = [];

/**
 * TCP connections among the processes `pids`, each counted once, at the end that dialled it:
 * its remote port is one they listen on (loopback, so ports identify).
 */
function connectionsAmong(pids: readonly number[]): number {
  const sockets = pids.flatMap(processSockets);
  const listening = new Set(sockets.filter((s) => s.state === '0A').map((s) => s.localPort));
  return sockets.filter((s) => s.state === '01' && listening.has(s.remotePort)).length;
}

async function chainlab(): Promise<number> {
  const t0 = performance.now();
  const at = (line: string, phase: string, pattern: RegExp) =>
    pattern.test(line) && phases[phase]!.push(performance.now() - t0);
  const c = await new Cluster({ validators: V, executors: E, wallets: 4 }).start({
    log: (line) => {
      at(line, 'prepared', /chain prepared in/);
      at(line, 'serving', /nodes started in/);
      at(line, 'peered', / ready \(/);
    },
  });
  const ms = performance.now() - t0;
  const pids = (await listRunProcesses()).filter((p) => p.runId === c.runId).map((p) => p.pid);
  nodeCpuMs.push(pids.reduce((sum, pid) => sum + cpuSeconds(pid) * 1000, 0));
  nodeConnections.push(connectionsAmong(pids));
  await c.dispose();
  return ms;
}

async function bareRefnode(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'chainlab-bench-'));
  const t0 = performance.now();
  const genesis = waitLine(
    [
      refnode,
      'genesis',
      '--validators',
      `${V}`,
      '--executors',
      `${E}`,
      '--wallets',
      '4',
      '--out',
      dir,
      '--slot-ms',
      '200',
      '--security-param',
      '5',
    ],
    (l) => l.includes('"genesis"'),
  );
  await genesis.done;
  const ports = await freePorts((V + E) * 2);
  const nodes = Array.from({ length: V + E }, (_, i) =>
    waitLine(
      [
        refnode,
        'run',
        '--config',
        join(dir, `node-${i}.json`),
        '--data-dir',
        join(dir, `data-${i}`),
        '--api-port',
        `${ports[2 * i]}`,
        '--p2p-port',
        `${ports[2 * i + 1]}`,
        '--peers=',
      ],
      (l) => l.includes('"ready"'),
    ),
  );
  await Promise.all(nodes.map((n) => n.done));
  const ms = performance.now() - t0;
  await Promise.all(nodes.map((n) => n.kill()));
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

async function bareNode(): Promise<number> {
  const t0 = performance.now();
  const procs = Array.from({ length: V + E }, () =>
    waitLine(['-e', 'console.log("ready")'], (l) => l === 'ready'),
  );
  await Promise.all(procs.map((p) => p.done));
  const ms = performance.now() - t0;
  await Promise.all(procs.map((p) => p.kill()));
  return ms;
}

// Nodes started from the bundle use the V8 code cache a node writes once it has been
// connected for 3 s (refnode/README.md, "Code cache"); on a machine that ran any cluster
// before, it is there. One cluster kept 5 s writes it, so every measured start has it.
{
  const warm = await new Cluster({ validators: V, executors: E, wallets: 4 }).start();
  await new Promise((ok) => setTimeout(ok, 5000));
  await warm.dispose();
}

const results: Record<string, number[]> = { chainlab: [], bareRefnode: [], bareNode: [] };
for (let r = 0; r < rounds; r++) {
  results.bareNode!.push(await bareNode());
  results.bareRefnode!.push(await bareRefnode());
  results.chainlab!.push(await chainlab());
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, Math.round(median(v))]));
console.log(
  JSON.stringify({
    bench: 'core-start',
    nodes: `${V} validators + ${E} executors`,
    rounds,
    medianMs: m,
    allMs: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.map(Math.round)])),
    chainlabPhasesMedianMs: Object.fromEntries(
      Object.entries(phases).map(([k, v]) => [k, v.length > 0 ? Math.round(median(v)) : null]),
    ),
    chainlabNodeCpuMedianMs: nodeCpuMs.length > 0 ? Math.round(median(nodeCpuMs)) : null,
    chainlabNodeConnections: { pairs: ((V + E) * (V + E - 1)) / 2, atReady: nodeConnections },
    entry: refnode,
    ratioVsBareRefnode: +(m.chainlab! / m.bareRefnode!).toFixed(2),
    ratioVsBareNode: +(m.chainlab! / m.bareNode!).toFixed(2),
    target: 'chainlab ≤ 3x bare',
  }),
);
