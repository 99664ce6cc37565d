/**
 * chainlab's stand-in for Ryuk: a detached process that outlives its parent run and, once
 * the parent is gone (its end of our stdin pipe closes, even on SIGKILL), removes every
 * container, network and volume labelled with the run id. Plain JavaScript so it runs
 * without type stripping wherever chainlab is installed.
 *
 * Usage (by run-guard.ts): node run-guard.mjs <run id>, stdin = a pipe held by the parent.
 */
process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
const runId = process.argv[2];
if (!runId) process.exit(2);

// A terminal's Ctrl-C or a group signal must not stop the guard before it cleaned up.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => {});

const ignoreMissing = (error) => {
  if (error?.statusCode !== 404 && error?.statusCode !== 409) throw error;
};

async function removeRun() {
  const { getContainerRuntimeClient } = await import('testcontainers');
  const client = await getContainerRuntimeClient();
  const docker = client.container.dockerode;
  const filters = { label: [`chainlab.run=${runId}`] };
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.allSettled(
    containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(ignoreMissing)),
  );
  const networks = await docker.listNetworks({ filters });
  await Promise.allSettled(networks.map((n) => docker.getNetwork(n.Id).remove().catch(ignoreMissing)));
  const volumes = (await docker.listVolumes({ filters })).Volumes ?? [];
  await Promise.allSettled(
    volumes.map((v) => docker.getVolume(v.Name).remove({ force: true }).catch(ignoreMissing)),
  );
}

let done = false;
const onParentGone = () => {
  if (done) return;
  done = true;
  removeRun().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.stdin.on('end', onParentGone);
process.stdin.on('close', onParentGone);
process.stdin.on('error', onParentGone);
process.stdin.resume();
