// The k8s run guard: a detached process that outlives its parent run and, once the parent
// is gone (its end of our stdin pipe closes, even on SIGKILL), deletes every namespace
// labelled with the run id. With `--now` it deletes them at once and exits (the cleanup
// registry's synchronous exit hook runs it so). Plain JavaScript so it runs without type
// stripping wherever chainlab is installed.
//
// Usage: node k8s-run-guard.mjs [--now] <run id> <kubeconfig file or ""> <context or "">
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';

const args = process.argv.slice(2);
const now = args[0] === '--now';
const [runId, kubeconfig, context] = now ? args.slice(1) : args;
if (!runId) process.exit(2);

// A terminal's Ctrl-C or a group signal must not stop the guard before it cleaned up.
if (!now) for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => {});

async function removeRun() {
  const kc = new KubeConfig();
  if (kubeconfig) kc.loadFromFile(kubeconfig);
  else kc.loadFromDefault();
  if (context) kc.setCurrentContext(context);
  const core = kc.makeApiClient(CoreV1Api);
  // run ids are valid label values as they are (digits, letters, -)
  const list = await core.listNamespace({ labelSelector: `chainlab.run=${runId}` });
  await Promise.allSettled(
    list.items.map((ns) => core.deleteNamespace({ name: ns.metadata.name, propagationPolicy: 'Background' })),
  );
}

const finish = () =>
  removeRun().then(
    () => process.exit(0),
    () => process.exit(1),
  );

if (now) {
  await finish();
} else {
  let done = false;
  const onParentGone = () => {
    if (done) return;
    done = true;
    void finish();
  };
  process.stdin.on('end', onParentGone);
  process.stdin.on('close', onParentGone);
  process.stdin.on('error', onParentGone);
  process.stdin.resume();
}
