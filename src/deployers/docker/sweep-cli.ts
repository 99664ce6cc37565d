/**
 * `node src/deployers/docker/sweep-cli.ts <run id>`: removes every container, network and
 * volume of that run. The cleanup registry runs it synchronously from `process.on('exit')`,
 * where the exiting process itself can no longer do async work.
 * Without a run id it sweeps every dead run instead.
 */
import { removeRunResources, sweepDeadRuns } from './sweeper.ts';

const runId = process.argv[2];
const report = runId === undefined ? await sweepDeadRuns() : await removeRunResources(runId);
console.log(
  JSON.stringify({
    runs: report.runs,
    containers: report.containers.length,
    networks: report.networks.length,
    volumes: report.volumes.length,
  }),
);
