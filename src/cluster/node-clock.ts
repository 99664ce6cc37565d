/**
 * One node's skewable clock: the setting in force (a fixed offset plus optional jitter), the
 * offset applied now, the seeded jitter draws, and the `clock-skew` fault windows on the
 * recording. Every applied offset is one window carrying it (`offsets`), opened when it is
 * applied and closed when the next one replaces it; windows do not excuse the node, since a
 * correct node rides a skew out. Each change is confirmed from outside while the node runs
 * (confirm.ts `confirmClock`); a jitter draw that cannot be confirmed stops the jitter and
 * is kept as the node's clock failure.
 */
import type { NodeState } from '../deployers/deployer.ts';
import type { Recording } from '../observe/recording.ts';
import type { Clock } from '../support/clock.ts';
import type { Rng } from '../support/rng.ts';
import { type ClockSetting, formatOffset, isSkewed } from './clock-offset.ts';

/** What a node clock needs from its node handle. */
export interface NodeClockContext {
  name: string;
  /** Writes the offset (the deployed node's `setClockOffset`). */
  write(offsetMs: number): Promise<void>;
  /** Proves the node's clock reads `offsetMs` (called only while the node runs). */
  confirm(offsetMs: number): Promise<unknown>;
  /** Runs `fn` after the node's other control actions (a redraw never interleaves with a restart). */
  serial<T>(fn: () => Promise<T>): Promise<T>;
  state(): NodeState;
  recording(): Recording | undefined;
  /** This node's jitter stream (forked from the cluster's seed). */
  rng: Rng;
  clock: Clock;
  log(line: string): void;
}

/** A node's clock control; see the module comment. */
export class NodeClock {
  readonly #ctx: NodeClockContext;
  #setting: ClockSetting;
  #appliedMs: number;
  #window: { end(): void } | undefined;
  #timer: Disposable | undefined;
  #drawing = false;
  #failure: unknown;
  #closed = false;

  /** A clock the node was launched with at `setting`, its first offset `appliedMs` (already written). */
  constructor(ctx: NodeClockContext, setting: ClockSetting, appliedMs: number) {
    this.#ctx = ctx;
    this.#setting = setting;
    this.#appliedMs = appliedMs;
  }

  /** The first offset for `setting`: its fixed part plus a jitter draw. */
  static firstOffset(setting: ClockSetting, rng: Rng): number {
    return draw(setting, rng);
  }

  /** The setting in force. */
  get setting(): ClockSetting {
    return this.#setting;
  }

  /** The offset applied now (ms). */
  get appliedMs(): number {
    return this.#appliedMs;
  }

  /** The first jitter draw that could not be applied or confirmed (jitter stopped then). */
  get failure(): unknown {
    return this.#failure;
  }

  /**
   * Starts recording (and jittering) the launch setting, once the recording exists, and
   * confirms the node's clock when it is skewed.
   */
  async begin(): Promise<void> {
    this.#openWindow();
    if (isSkewed(this.#setting) && this.#ctx.state() === 'running') await this.#ctx.confirm(this.#appliedMs);
    this.#startJitter();
  }

  /** Replaces the setting: applies its offset (a fresh draw with jitter), confirms it, records it. */
  async set(setting: ClockSetting): Promise<void> {
    this.#stopJitter();
    this.#setting = setting;
    this.#failure = undefined;
    await this.#ctx.serial(() => this.#apply(draw(setting, this.#ctx.rng)));
    this.#startJitter();
  }

  /** Confirms the applied offset again (after the node started or resumed). */
  async reconfirm(): Promise<void> {
    if (isSkewed(this.#setting) || this.#appliedMs !== 0) await this.#ctx.confirm(this.#appliedMs);
  }

  /** Stops jittering and closes the open window (cluster dispose). */
  close(): void {
    this.#closed = true;
    this.#stopJitter();
    this.#closeWindow();
  }

  async #apply(offsetMs: number): Promise<void> {
    if (this.#closed) return;
    await this.#ctx.write(offsetMs);
    this.#appliedMs = offsetMs;
    // A stopped or paused node reads its new clock when it runs again (then reconfirmed).
    if (this.#ctx.state() === 'running') await this.#ctx.confirm(offsetMs);
    this.#closeWindow();
    this.#openWindow();
  }

  #openWindow(): void {
    if (this.#closed || (!isSkewed(this.#setting) && this.#appliedMs === 0)) return;
    const s = this.#setting;
    const jitter = s.jitterMs > 0 ? `, ${formatOffset(s.offsetMs)} ± ${s.jitterMs} ms` : '';
    this.#window = this.#ctx
      .recording()
      ?.openFault(
        'clock-skew',
        [this.#ctx.name],
        `clock-skew(${this.#ctx.name} ${formatOffset(this.#appliedMs)}${jitter})`,
        { excuses: false, offsets: { [this.#ctx.name]: this.#appliedMs } },
      );
  }

  #closeWindow(): void {
    this.#window?.end();
    this.#window = undefined;
  }

  #startJitter(): void {
    if (this.#closed || this.#setting.jitterMs <= 0) return;
    this.#timer = this.#ctx.clock.setInterval(() => void this.#redraw(), this.#setting.everyMs);
  }

  #stopJitter(): void {
    this.#timer?.[Symbol.dispose]();
    this.#timer = undefined;
  }

  async #redraw(): Promise<void> {
    // A draw still being confirmed when the next is due: skip this one rather than pile up.
    if (this.#drawing || this.#closed) return;
    this.#drawing = true;
    const setting = this.#setting;
    try {
      await this.#ctx.serial(async () => {
        // `set()` replaced the setting meanwhile: its own draw is the one that counts.
        if (setting === this.#setting) await this.#apply(draw(setting, this.#ctx.rng));
      });
    } catch (error) {
      if (this.#closed) return;
      this.#failure ??= error;
      this.#stopJitter();
      const why = (error as Error).message ?? String(error);
      this.#ctx.log(`${this.#ctx.name}: clock jitter stopped: ${why}`);
      this.#ctx.recording()?.nodeEvent(this.#ctx.name, 'clock-skew-failed', why);
    } finally {
      this.#drawing = false;
    }
  }
}

/** The fixed offset plus a uniform draw from [−jitter, +jitter] (whole ms). */
function draw(setting: ClockSetting, rng: Rng): number {
  if (setting.jitterMs <= 0) return setting.offsetMs;
  return setting.offsetMs + Math.round(rng.float(-setting.jitterMs, setting.jitterMs));
}
