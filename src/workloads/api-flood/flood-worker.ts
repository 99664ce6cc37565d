/**
 * The API flood's worker thread: runs `runFlood` on the plan it was started with, so the
 * flood's sending and tallying have an event loop (and a core) of their own. Messages:
 * in, `'stop'`; out, `{ type: 'rows', rows }` each second, then `{ type: 'done', cpuMs }`
 * (the thread's own CPU time, for the per-core figure).
 *
 * Loaded by URL (api-flood.ts), not imported: plain Node runs it (type-stripped in the
 * repository, compiled when installed), so it imports only relative modules and undici.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runFlood } from './flood-engine.ts';
import type { FloodPlan } from './plan.ts';

const port = parentPort!;
const cpuBefore = process.threadCpuUsage();
const run = runFlood(workerData as FloodPlan, (rows) => {
  if (rows.length > 0) port.postMessage({ type: 'rows', rows });
});
port.on('message', (message) => {
  if (message === 'stop') run.stop();
});
try {
  await run.done;
  const cpu = process.threadCpuUsage(cpuBefore);
  port.postMessage({ type: 'done', cpuMs: (cpu.user + cpu.system) / 1000 });
} catch (error) {
  port.postMessage({ type: 'error', message: (error as Error)?.stack ?? String(error) });
} finally {
  port.close();
}
