/**
 * What a test needs from the machine (a Docker engine, Chromium, libfaketime, kubectl,
 * litecoind) and the one rule for when it is missing: locally the test is skipped with the
 * reason printed; in CI (`CI` set, not `0`/`false`) it fails with the reason, so a gate can
 * never pass by skipping what it was meant to check. Every such skip in the repository goes
 * through here. Opt-in requirements (a real Kubernetes cluster someone configured) skip
 * everywhere, with the reason printed.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { promisify } from 'node:util';
import { describe, test } from 'vitest';
import { type DockerAvailability, dockerAvailability } from '../src/deployers/docker/docker-client.ts';
import { LIBFAKETIME_PATH, libfaketimeMissing } from '../src/deployers/faketime.ts';

/** One thing tests need, and why it is missing (undefined when present). */
export interface Requirement {
  /** What is needed, as a reader says it: `a Docker engine`, `Chromium`. */
  what: string;
  /** Why it is not here, with how to get it; undefined when it is. */
  missing: string | undefined;
  /** `machine` (default): CI must have it. `opt-in`: only runs where someone set it up. */
  kind?: 'machine' | 'opt-in';
}

/** What to do about a requirement: run, skip with the reason, or fail with it. */
export type Decision = { kind: 'run' } | { kind: 'skip'; reason: string } | { kind: 'fail'; reason: string };

/** True in CI: `CI` set to anything but empty, `0` or `false`. */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI !== 'false';
}

/**
 * The rule, pure: a present requirement runs; a missing one skips locally (and opt-in ones
 * everywhere) and fails in CI.
 *
 * @example
 * decide({ what: 'a Docker engine', missing: 'connect ENOENT /var/run/docker.sock' }, { CI: 'true' }).kind; // 'fail'
 */
export function decide(req: Requirement, env: NodeJS.ProcessEnv = process.env): Decision {
  if (req.missing === undefined) return { kind: 'run' };
  const reason = `needs ${req.what}: ${req.missing}`;
  if (req.kind === 'opt-in' || !inCi(env)) return { kind: 'skip', reason };
  return {
    kind: 'fail',
    reason: `${reason} (CI=${env.CI}: a missing requirement fails in CI instead of skipping)`,
  };
}

/**
 * A `describe` whose tests need `req`. Missing it, the suite is skipped with the reason
 * printed (locally), or replaced by one test that fails with the reason (CI): none of its
 * own tests or hooks run against a machine that lacks what they need.
 *
 * @example
 * describeNeeding(await dockerRequirement(), 'docker deployer', () => { test(…) });
 */
export function describeNeeding(
  req: Requirement,
  name: string,
  fn: () => void,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const d = decide(req, env);
  if (d.kind === 'run') {
    describe(name, fn);
  } else if (d.kind === 'skip') {
    process.stderr.write(`chainlab: skipping "${name}": ${d.reason}\n`);
    describe.skip(name, fn);
  } else {
    describe(name, () => {
      test(`the machine has what "${name}" needs`, () => {
        throw new Error(d.reason);
      });
    });
  }
}

/**
 * Inside a test: returns when `req` is met; otherwise skips the test with the reason
 * (locally) or throws it (CI). `skip` is the test context's `skip`.
 *
 * @example
 * test('renders', ({ skip }) => { requireIn(chromiumRequirement(), skip); … });
 */
export function requireIn(
  req: Requirement,
  skip: (note: string) => never,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const d = decide(req, env);
  if (d.kind === 'run') return;
  if (d.kind === 'fail') throw new Error(d.reason);
  process.stderr.write(`chainlab: skipping: ${d.reason}\n`);
  skip(d.reason);
}

// ---- the requirements ------------------------------------------------------------------

/** A Docker engine that answers a ping (`.ci/run` starts one), from a probe already made. */
export function dockerRequirementOf(docker: DockerAvailability): Requirement {
  return {
    what: 'a Docker engine',
    missing: docker.available ? undefined : `${docker.reason} (start dockerd; bash .ci/run does)`,
  };
}

/** A Docker engine that answers a ping. */
export async function dockerRequirement(): Promise<Requirement> {
  return dockerRequirementOf(await dockerAvailability());
}

/** The browser binary of the HTML report tests (`CHAINLAB_CHROMIUM` overrides). */
export const chromiumPath = process.env.CHAINLAB_CHROMIUM ?? '/usr/bin/chromium';

/** Chromium for the HTML report tests. */
export function chromiumRequirement(path = chromiumPath): Requirement {
  try {
    accessSync(path, constants.X_OK);
    return { what: 'Chromium', missing: undefined };
  } catch {
    return {
      what: 'Chromium',
      missing: `no Chromium at ${path} (install Debian's chromium, or set CHAINLAB_CHROMIUM)`,
    };
  }
}

/** libfaketime, which shifts a node's wall clock (clock-skew tests): the build chainlab preloads. */
export function libfaketimeRequirement(path = LIBFAKETIME_PATH): Requirement {
  return { what: 'libfaketime', missing: libfaketimeMissing(path) };
}

/** A program on PATH, probed by running it with `args` (e.g. `--version`). */
export async function programRequirement(
  program: string,
  args: readonly string[],
  install: string,
): Promise<Requirement> {
  try {
    await promisify(execFile)(program, [...args], { timeout: 20_000 });
    return { what: program, missing: undefined };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      what: program,
      missing:
        code === 'ENOENT'
          ? `no ${program} on PATH (${install})`
          : `${program} ${args.join(' ')} failed: ${(error as Error).message.split('\n', 1)[0]}`,
    };
  }
}

/** kubectl (the manifests' dry-run test). */
export function kubectlRequirement(): Promise<Requirement> {
  return programRequirement('kubectl', ['version', '--client', '-o', 'json'], 'Debian: kubernetes-client');
}

/** litecoind in regtest (the litecoind adapter's tests). */
export function litecoindRequirement(): Promise<Requirement> {
  return programRequirement('litecoind', ['-version'], 'Debian: litecoind');
}

/** A real Kubernetes cluster someone configured: opt-in, never required by CI. */
export function kubernetesClusterRequirement(env: NodeJS.ProcessEnv = process.env): Requirement {
  return {
    what: 'a Kubernetes cluster',
    kind: 'opt-in',
    missing:
      env.CHAINLAB_K8S_CONTEXT && env.CHAINLAB_K8S_IMAGE
        ? undefined
        : 'none configured (set CHAINLAB_K8S_CONTEXT and CHAINLAB_K8S_IMAGE; docs/KUBERNETES.md)',
  };
}
