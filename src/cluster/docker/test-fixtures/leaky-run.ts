/**
 * A run that leaves Docker resources behind: creates a labelled network, volume and
 * container for run `argv[2]` (container from image `argv[3]`), prints `ready`, then
 * waits to be killed. The sweeper test SIGKILLs it, as a crashed runner would be.
 */
import { dockerClient } from '../docker-client.ts';
import { resourceLabels } from '../labels.ts';

const [runId, image] = process.argv.slice(2);
if (runId === undefined || image === undefined) throw new Error('usage: leaky-run.ts <run id> <image>');
const client = await dockerClient();
const docker = client.container.dockerode;
await client.network.create({
  Name: `chainlab-${runId}-leaky`,
  Driver: 'bridge',
  Labels: resourceLabels(runId, 'network', { cluster: 'leaky' }),
});
await docker.createVolume({
  Name: `chainlab-${runId}-leaky-val-0`,
  Labels: resourceLabels(runId, 'volume', { cluster: 'leaky', node: 'val-0' }),
});
await client.container.create({
  name: `chainlab-${runId}-leaky-val-0`,
  Image: image,
  Labels: resourceLabels(runId, 'node', { cluster: 'leaky', node: 'val-0' }),
});
console.log('ready');
setInterval(() => {}, 60_000);
