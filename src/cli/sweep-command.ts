/**
 * `chainlab sweep`: removes what killed chainlab runs left behind on this machine —
 * processes, run dirs, image build contexts and port reservations in the temp dir, and
 * labelled Docker containers, networks and volumes. Runs whose owner is alive are never
 * touched.
 */
import { parseArgs } from 'node:util';
import { type SweepAllResult, sweepAll } from '../cluster/cleanup/sweep-all.ts';
import { ConfigError } from '../support/errors.ts';

const help = `usage: chainlab sweep [--no-docker | --docker] [--k8s [--kubeconfig FILE] [--context NAME]] [--json]

Removes what killed chainlab runs left: their processes (SIGKILL), run dirs under
$CHAINLAB_RUN_ROOT or <tmpdir>/chainlab, image build contexts in <tmpdir>, port
reservations in <tmpdir>/chainlab-ports, the containers, networks and volumes labelled
with their run id, and with --k8s the namespaces of the k8s deployer's dead runs. A run
whose owner process is alive is left alone. Exit code 0 when the sweep completed.

flags:
  --docker           require a Docker engine (fail when none answers)
  --no-docker        do not look at Docker
                     (default: sweep Docker when an engine answers, else say why not)
  --k8s              also sweep Kubernetes namespaces of dead runs
  --kubeconfig FILE  the kubeconfig for --k8s (default: $KUBECONFIG or ~/.kube/config)
  --context NAME     its context for --k8s (default: the current one)
  --json             print the result as one JSON line
  -h, --help         this text`;

function summary(r: SweepAllResult): string {
  const docker = r.docker.swept
    ? `${r.docker.containers} containers, ${r.docker.networks} networks, ${r.docker.volumes} volumes of ${r.docker.runs.length} runs`
    : `docker not swept: ${r.docker.reason}`;
  return [
    `killed ${r.killed.length} processes`,
    `removed ${r.removedDirs.length} run dirs`,
    `removed ${r.removedContexts.length} image build contexts`,
    `freed ${r.freedPorts.length} reserved ports`,
    docker,
    ...(r.k8s === undefined
      ? []
      : [`${r.k8s.namespaces.length} k8s namespaces of ${r.k8s.runs.length} runs`]),
  ].join('; ');
}

/** Runs `chainlab sweep <argv>` and resolves to its exit code. */
export async function runSweepCommand(argv: readonly string[]): Promise<number> {
  let values: {
    docker?: boolean;
    'no-docker'?: boolean;
    k8s?: boolean;
    kubeconfig?: string;
    context?: string;
    json?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        docker: { type: 'boolean' },
        'no-docker': { type: 'boolean' },
        k8s: { type: 'boolean' },
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ConfigError('arguments', [
      {
        path: 'argv',
        value: argv.join(' '),
        allowed: `${(error as Error).message}; see chainlab sweep --help`,
      },
    ]);
  }
  if (values.help) {
    process.stdout.write(`${help}\n`);
    return 0;
  }
  if (values.docker && values['no-docker']) {
    throw new ConfigError('arguments', [
      { path: '--docker/--no-docker', value: argv.join(' '), allowed: 'at most one of them' },
    ]);
  }
  if (!values.k8s && (values.kubeconfig !== undefined || values.context !== undefined)) {
    throw new ConfigError('arguments', [
      { path: '--kubeconfig/--context', value: argv.join(' '), allowed: 'only with --k8s' },
    ]);
  }
  const result = await sweepAll({
    docker: values.docker ? true : values['no-docker'] ? false : 'auto',
    ...(values.k8s ? { k8s: { kubeconfig: values.kubeconfig, context: values.context } } : {}),
  });
  process.stdout.write(`${values.json ? JSON.stringify(result) : `chainlab sweep: ${summary(result)}`}\n`);
  return 0;
}
