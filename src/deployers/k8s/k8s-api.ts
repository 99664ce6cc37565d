/**
 * The one place that talks to @kubernetes/client-node: loads the user's kubeconfig, picks
 * the context, and offers the handful of calls the deployer makes (typed resource calls,
 * exec, port-forward, log follow, pod watch). Nothing above this file touches the client,
 * as nothing above testcontainers' runtime layer touches Docker.
 */
import type { Duplex, Writable } from 'node:stream';
import { PassThrough } from 'node:stream';
import {
  ApiException,
  AuthorizationV1Api,
  CoreV1Api,
  Exec,
  type Informer,
  KubeConfig,
  Log,
  makeInformer,
  NetworkingV1Api,
  type ObjectCache,
  PortForward,
  type V1Pod,
  type V1Status,
  VersionApi,
} from '@kubernetes/client-node';
import { realTimers } from '../../support/clock.ts';
import { ChainlabError, ConfigError } from '../../support/errors.ts';
import type { ResolvedK8sOptions } from './k8s-options.ts';

/** A Kubernetes API error, read from its Status body. */
export interface ApiStatus {
  code: number;
  reason: string | undefined;
  message: string;
}

/** The Status behind a failed call, or undefined for errors that are not API answers. */
export function apiStatus(error: unknown): ApiStatus | undefined {
  if (!(error instanceof ApiException)) return undefined;
  let body: Partial<V1Status> | undefined;
  try {
    body = typeof error.body === 'string' ? (JSON.parse(error.body) as V1Status) : (error.body as V1Status);
  } catch {
    body = undefined;
  }
  return {
    code: error.code,
    reason: body?.reason,
    message: body?.message ?? `HTTP ${error.code}`,
  };
}

/** True when `error` is an API answer with one of `codes` (404 for "already gone", …). */
export function isApiStatus(error: unknown, ...codes: number[]): boolean {
  const status = apiStatus(error);
  return status !== undefined && codes.includes(status.code);
}

/** A short text for an error from a call: the API's own message when there is one. */
export function describeApiError(error: unknown): string {
  const status = apiStatus(error);
  if (status !== undefined)
    return `${status.code} ${status.reason ?? ''}: ${status.message}`.replace(' :', ':');
  return error instanceof Error ? error.message : String(error);
}

/** What an exec ended with. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A pod watch kept up to date by the client's informer. */
export type PodInformer = Informer<V1Pod> & ObjectCache<V1Pod>;

function exitCodeOf(status: V1Status): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : -1;
}

/** Loads the kubeconfig and selects the context; throws `ConfigError` naming the known contexts. */
export function loadKubeConfig(opts: Pick<ResolvedK8sOptions, 'kubeconfig' | 'context'>): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (opts.kubeconfig !== undefined) kc.loadFromFile(opts.kubeconfig);
    else kc.loadFromDefault();
  } catch (error) {
    throw new ConfigError('k8s options', [
      {
        path: opts.kubeconfig === undefined ? 'KUBECONFIG' : 'k8s.kubeconfig',
        value: opts.kubeconfig ?? process.env.KUBECONFIG,
        allowed: `a readable kubeconfig (${(error as Error).message})`,
      },
    ]);
  }
  if (opts.context !== undefined) {
    if (kc.getContextObject(opts.context) === null) {
      const known = kc.getContexts().map((c) => c.name);
      throw new ConfigError('k8s options', [
        {
          path: 'k8s.context',
          value: opts.context,
          allowed:
            known.length > 0 ? `one of ${known.join(', ')}` : 'a context of the kubeconfig (it has none)',
        },
      ]);
    }
    kc.setCurrentContext(opts.context);
  }
  if (kc.getCurrentCluster() === null) {
    throw new ConfigError('k8s options', [
      {
        path: 'k8s.context',
        value: kc.getCurrentContext() || undefined,
        allowed: 'a context whose cluster is defined in the kubeconfig',
      },
    ]);
  }
  return kc;
}

/** Typed access to one cluster through one kubeconfig context. */
export class K8sApi {
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly networking: NetworkingV1Api;
  readonly authorization: AuthorizationV1Api;
  readonly version: VersionApi;
  readonly #exec: Exec;
  readonly #portForward: PortForward;
  readonly #log: Log;

  constructor(kc: KubeConfig) {
    this.kc = kc;
    this.core = kc.makeApiClient(CoreV1Api);
    this.networking = kc.makeApiClient(NetworkingV1Api);
    this.authorization = kc.makeApiClient(AuthorizationV1Api);
    this.version = kc.makeApiClient(VersionApi);
    this.#exec = new Exec(kc);
    // a forwarded connection's error ends that connection, not others
    this.#portForward = new PortForward(kc, true);
    this.#log = new Log(kc);
  }

  /** Context and server, for log lines and errors. */
  get where(): string {
    return `context ${this.kc.getCurrentContext()} (${this.kc.getCurrentCluster()?.server ?? '?'})`;
  }

  /**
   * Runs `command` in a container and collects its output. Rejects when the exec cannot
   * start or does not end within `timeoutMs`; a non-zero exit is a result, not an error.
   */
  async exec(
    namespace: string,
    pod: string,
    container: string,
    command: string[],
    timeoutMs = 15_000,
  ): Promise<ExecResult> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    stdout.on('data', (c: Buffer) => out.push(c));
    stderr.on('data', (c: Buffer) => err.push(c));
    let status: V1Status | undefined;
    const socket = await this.#exec.exec(
      namespace,
      pod,
      container,
      command,
      stdout,
      stderr,
      null,
      false,
      (s) => {
        status = s;
      },
    );
    await new Promise<void>((resolve, reject) => {
      const timer = realTimers.setTimeout(() => {
        socket.close();
        reject(
          new ChainlabError(`exec in ${namespace}/${pod}/${container} did not end within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      socket.on('close', () => {
        realTimers.clearTimeout(timer);
        resolve();
      });
      socket.on('error', (error: Error) => {
        realTimers.clearTimeout(timer);
        reject(error);
      });
      // a very short command may have ended before these listeners were attached
      if (socket.readyState === socket.CLOSED) {
        realTimers.clearTimeout(timer);
        resolve();
      }
    });
    if (status === undefined) {
      throw new ChainlabError(`exec in ${namespace}/${pod}/${container} ended without a status`);
    }
    return {
      exitCode: exitCodeOf(status),
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
    };
  }

  /**
   * Forwards one TCP connection to `port` of a pod: bytes from `socket` go in, the pod's
   * answers come back; closing either side closes the other.
   */
  async forward(namespace: string, pod: string, port: number, socket: Duplex): Promise<void> {
    const ws = await this.#portForward.portForward(namespace, pod, [port], socket, null, socket);
    const end = () => socket.destroy();
    if (typeof ws === 'function') return;
    ws.on('close', end);
    ws.on('error', end);
    socket.on('close', () => ws.close());
  }

  /** Follows a container's log into `sink` (kept open); abort the controller to stop. */
  async followLog(
    namespace: string,
    pod: string,
    container: string,
    sink: Writable,
  ): Promise<AbortController> {
    const through = new PassThrough();
    through.on('data', (chunk: Buffer) => sink.write(chunk));
    through.on('error', () => {});
    // the client pipes the response into `through` without an error handler on it: an
    // aborted follow would be an uncaught AbortError
    through.on('pipe', (source: NodeJS.ReadableStream) => source.on('error', () => {}));
    return this.#log.log(namespace, pod, container, through, { follow: true });
  }

  /** A started watch over the pods of `namespace` matching `labelSelector`. */
  podInformer(namespace: string, labelSelector: string): PodInformer {
    return makeInformer(
      this.kc,
      `/api/v1/namespaces/${namespace}/pods`,
      () => this.core.listNamespacedPod({ namespace, labelSelector }),
      labelSelector,
    );
  }
}
