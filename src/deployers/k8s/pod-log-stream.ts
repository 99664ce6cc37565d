/**
 * A node's log file on the test machine: the node container's stdout and stderr, followed
 * through the API for each pod the node runs in, appended to one file (as on docker).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { K8sApi } from './k8s-api.ts';

export class PodLogStream {
  readonly #file: WriteStream;
  #follow: AbortController | undefined;
  #closed: Promise<void> | undefined;

  constructor(logFile: string) {
    this.#file = createWriteStream(logFile, { flags: 'a' });
    this.#file.on('error', () => {});
  }

  /** Follows `container` of `pod` from now on (stops following an earlier pod). */
  async follow(api: K8sApi, namespace: string, pod: string, container: string): Promise<void> {
    this.#follow?.abort();
    this.#follow = undefined;
    if (this.#closed !== undefined) return;
    try {
      this.#follow = await api.followLog(namespace, pod, container, this.#file);
    } catch (error) {
      // Logs are evidence, not control: a failed follow is noted in the file, not thrown.
      this.#file.write(`[chainlab] cannot follow the log of ${namespace}/${pod}: ${String(error)}\n`);
    }
  }

  /** Stops following and closes the file. Idempotent. */
  close(): Promise<void> {
    this.#follow?.abort();
    this.#closed ??= new Promise<void>((resolve) => this.#file.end(resolve));
    return this.#closed;
  }
}
