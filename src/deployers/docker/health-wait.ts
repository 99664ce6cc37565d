/**
 * How a container node's start waits for its node: the health path, on the API port as
 * published on 127.0.0.1, answers 200. testcontainers' own HTTP wait polls once a second, so
 * each container came up to a second after its node served; this one polls every 100 ms
 * (each request may take up to a second: a node booting beside five others answers late),
 * and reads the container's state every 500 ms so a node that exits fails the start at once.
 */
import type { WaitStrategy } from 'testcontainers';
import type { Clock } from '../../support/clock.ts';

const POLL_MS = 100;
/** The container's state is read every this many polls. */
const STATE_EVERY = 5;
const REQUEST_TIMEOUT_MS = 1000;

/** True when `url` answers 200 within a second. */
export async function answersHealthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Why a {@link HealthWait} gave up: the container exited, or the node did not serve in time. */
export class HealthWaitError extends Error {
  readonly reason: 'exited' | 'timeout';
  /** The container's exit code, when it exited. */
  readonly exitCode: number | undefined;

  constructor(reason: 'exited' | 'timeout', message: string, exitCode?: number) {
    super(message);
    this.name = 'HealthWaitError';
    this.reason = reason;
    this.exitCode = exitCode;
  }
}

type WaitedContainer = Parameters<WaitStrategy['waitUntilReady']>[0];

/**
 * A testcontainers wait strategy: resolves once `url` answers 200.
 *
 * @example
 * definition.withWaitStrategy(new HealthWait('http://127.0.0.1:31630/health', systemClock, signal));
 */
export class HealthWait implements WaitStrategy {
  readonly #url: string;
  readonly #clock: Clock;
  readonly #signal: AbortSignal | undefined;
  #timeoutMs = 60_000;
  #timeoutSet = false;

  constructor(url: string, clock: Clock, signal?: AbortSignal) {
    this.#url = url;
    this.#clock = clock;
    this.#signal = signal;
  }

  withStartupTimeout(startupTimeoutMs: number): this {
    this.#timeoutMs = startupTimeoutMs;
    this.#timeoutSet = true;
    return this;
  }

  isStartupTimeoutSet(): boolean {
    return this.#timeoutSet;
  }

  getStartupTimeout(): number {
    return this.#timeoutMs;
  }

  async waitUntilReady(container: WaitedContainer): Promise<void> {
    const began = this.#clock.monotonic();
    for (let poll = 1; ; poll++) {
      this.#signal?.throwIfAborted();
      if (await answersHealthy(this.#url)) return;
      if (poll % STATE_EVERY === 0) {
        const { State } = await container.inspect();
        if (State.Status === 'exited')
          throw new HealthWaitError(
            'exited',
            `the container exited with code ${State.ExitCode} before ${this.#url} answered`,
            State.ExitCode,
          );
      }
      if (this.#clock.monotonic() - began > this.#timeoutMs)
        throw new HealthWaitError('timeout', `${this.#url} did not answer 200 within ${this.#timeoutMs} ms`);
      await this.#clock.sleep(POLL_MS, this.#signal);
    }
  }
}
