/**
 * One watch over a cluster's pods (the client's informer: list, then watch, reconnecting
 * with the last resource version). Node handles read pod state from it and wait on it, so
 * a cluster of thirty nodes holds one watch, not thirty polling loops.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { type Clock, systemClock } from '../../support/clock.ts';
import type { K8sApi, PodInformer } from './k8s-api.ts';

/** Delay before a failed watch is started again. */
const RESTART_DELAY_MS = 1000;
/** Predicates are also re-checked this often, in case an event was missed while reconnecting. */
const RECHECK_MS = 500;

/** What a waiter decides on each look at a pod: keep waiting, done, or fail with an error. */
export type PodVerdict<T> = { done: true; value: T } | { done: false; error?: Error };

export class PodWatch {
  readonly #namespace: string;
  readonly #informer: PodInformer;
  readonly #clock: Clock;
  readonly #listeners = new Set<(pod: V1Pod, deleted: boolean) => void>();
  readonly #wakers = new Set<() => void>();
  #stopped = false;
  #lastError: unknown;

  private constructor(api: K8sApi, namespace: string, labelSelector: string, clock: Clock) {
    this.#namespace = namespace;
    this.#clock = clock;
    this.#informer = api.podInformer(namespace, labelSelector);
    const changed = (deleted: boolean) => (pod: V1Pod) => {
      for (const listener of this.#listeners) listener(pod, deleted);
      for (const wake of this.#wakers) wake();
    };
    this.#informer.on('add', changed(false));
    this.#informer.on('update', changed(false));
    this.#informer.on('delete', changed(true));
    this.#informer.on('error', (error: unknown) => {
      this.#lastError = error;
      if (this.#stopped) return;
      // the informer stops on errors other than timeouts and 410 Gone; start it again
      this.#clock.setTimeout(() => {
        if (!this.#stopped) this.#informer.start().catch(() => {});
      }, RESTART_DELAY_MS);
    });
  }

  /** Starts watching pods of `namespace` matching `labelSelector`; resolves after the first list. */
  static async start(api: K8sApi, namespace: string, labelSelector: string, clock = systemClock) {
    const watch = new PodWatch(api, namespace, labelSelector, clock);
    await watch.#informer.start();
    return watch;
  }

  /** The pod as last seen, or undefined when there is none. */
  get(name: string): V1Pod | undefined {
    return this.#informer.get(name, this.#namespace);
  }

  /** Calls `listener` on every change to a watched pod. */
  onChange(listener: (pod: V1Pod, deleted: boolean) => void): Disposable {
    this.#listeners.add(listener);
    return { [Symbol.dispose]: () => void this.#listeners.delete(listener) };
  }

  /**
   * Resolves once `look(pod)` says done (the pod may be undefined: not there); rejects with
   * the error `look` gives, with `onTimeout()` after `timeoutMs`, or with the signal's reason.
   */
  until<T>(
    name: string,
    look: (pod: V1Pod | undefined) => PodVerdict<T>,
    opts: { timeoutMs: number; signal?: AbortSignal | undefined; onTimeout: () => Error | Promise<Error> },
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const deadline = this.#clock.monotonic() + opts.timeoutMs;
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        this.#wakers.delete(check);
        ticker[Symbol.dispose]();
        opts.signal?.removeEventListener('abort', aborted);
        fn();
      };
      const check = () => {
        if (settled) return;
        const verdict = look(this.get(name));
        if (verdict.done) return finish(() => resolve(verdict.value));
        if (verdict.error !== undefined) return finish(() => reject(verdict.error));
        if (this.#clock.monotonic() > deadline) {
          finish(() => void Promise.resolve(opts.onTimeout()).then(reject, reject));
        }
      };
      const aborted = () => finish(() => reject(opts.signal!.reason));
      const ticker = this.#clock.setInterval(check, RECHECK_MS);
      this.#wakers.add(check);
      opts.signal?.addEventListener('abort', aborted, { once: true });
      if (opts.signal?.aborted) return aborted();
      check();
    });
  }

  /** Why the watch last failed, for error messages. */
  get lastError(): unknown {
    return this.#lastError;
  }

  /** Stops watching. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#listeners.clear();
    await this.#informer.stop();
  }
}
