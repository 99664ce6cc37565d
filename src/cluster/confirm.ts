/**
 * Proof that a node-control fault happened, from outside the node: a paused node stops
 * answering its API and announces no more blocks, a stopped or killed node's API port
 * refuses connections, a started or resumed node serves again, a skewed node's clock and
 * slot read what its offset says. A fault whose effect does not show within its bound fails
 * with a `NodeControlError` naming it.
 */
import { connect } from 'node:net';
import { facetClient } from '../adapter/facets.ts';
import type { ChainClient } from '../adapter/types.ts';
import type { Recording } from '../observe/recording.ts';
import { type Clock, systemClock } from '../support/clock.ts';
import { NodeControlError } from '../support/errors.ts';

/** How long an effect may take to show. */
export const CONFIRM_TIMEOUT_MS = 5000;
/** Feed events sent just before a pause may still be delivered this long after it. */
const IN_FLIGHT_MS = 200;

/** True when a TCP connection to `url`'s host and port is refused (nothing listens there). */
export function portClosed(url: string, timeoutMs = 1000): Promise<boolean> {
  const u = new URL(url);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port });
    const done = (closed: boolean): void => {
      socket.destroy();
      resolve(closed);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(false));
    socket.once('error', (e: NodeJS.ErrnoException) =>
      done(e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET'),
    );
  });
}

async function until(clock: Clock, timeoutMs: number, probe: () => Promise<boolean>): Promise<boolean> {
  const deadline = clock.monotonic() + timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (clock.monotonic() >= deadline) return false;
    await clock.sleep(50);
  }
}

/** What a confirmation looks at. */
export interface ConfirmTarget {
  name: string;
  apiUrl: string;
  client: ChainClient;
  recording: Recording | undefined;
  /** The chain's expected block interval (how long to watch for blocks a paused node should not make). */
  blockMs: number;
  clock?: Clock;
}

/** A paused node: its API stops answering, and its feed announces no block while we watch. */
export async function confirmPaused(t: ConfirmTarget): Promise<void> {
  const clock = t.clock ?? systemClock;
  const silent = await until(
    clock,
    CONFIRM_TIMEOUT_MS,
    async () => !(await t.client.health({ timeoutMs: 300 })),
  );
  if (!silent) fail(t, 'pause', `its API still answers ${CONFIRM_TIMEOUT_MS} ms after the pause`);
  // Events already on the wire when the node froze may still arrive for a moment.
  const from = t.recording === undefined ? undefined : t.recording.now() + IN_FLIGHT_MS;
  await clock.sleep(IN_FLIGHT_MS + Math.min(2000, Math.max(300, t.blockMs)));
  const produced =
    from === undefined
      ? []
      : t.recording!.blocks.filter((b) => b.node === t.name && b.at > from && b.source !== 'backfill');
  if (produced.length > 0)
    fail(t, 'pause', `it announced block ${produced.at(-1)!.height} after it stopped answering`);
}

/** A stopped or killed node: nothing listens on its API port any more. */
export async function confirmDown(t: ConfirmTarget, action: 'stop' | 'kill'): Promise<void> {
  const clock = t.clock ?? systemClock;
  if (!(await until(clock, CONFIRM_TIMEOUT_MS, () => portClosed(t.apiUrl))))
    fail(
      t,
      action,
      `its API port ${new URL(t.apiUrl).port} still accepts connections ${CONFIRM_TIMEOUT_MS} ms later`,
    );
}

/** A started or resumed node: it serves again. */
export async function confirmServing(
  t: ConfirmTarget,
  action: 'start' | 'restart' | 'resume',
): Promise<void> {
  const clock = t.clock ?? systemClock;
  if (!(await until(clock, CONFIRM_TIMEOUT_MS, () => t.client.health({ timeoutMs: 1000 }))))
    fail(t, action, `it does not serve ${CONFIRM_TIMEOUT_MS} ms after the ${action}`);
}

/** Slack on top of half a request's round trip when a node's clock is compared with ours (ms). */
export const CLOCK_SLACK_MS = 25;
/** Slots a skewed node's slot may be off from its offset's share of slots (a slot edge, the request). */
export const SLOT_TOLERANCE = 1;

/** What a node's clock should read. */
export interface ClockExpectation {
  offsetMs: number;
  /** The adapter's name (for a missing `clock-skew` facet client). */
  adapter: string;
  /** Facet `slots`: then the node's slot is checked too. */
  slots?: { slotMs: number; genesisTime: number } | undefined;
}

/** What a confirmed clock read. */
export interface ClockCheck {
  /** The node's clock minus ours (ms), at the middle of the request. */
  measuredOffsetMs: number;
  /** Half the request's round trip: the measurement's own uncertainty (ms). */
  uncertaintyMs: number;
  /** The node's slot, and the slot an unskewed clock was in (facet `slots`). */
  slot?: number;
  referenceSlot?: number;
}

/**
 * A skewed node: its wall clock reads ours plus the offset (within half the request's round
 * trip plus {@link CLOCK_SLACK_MS}, plus half the clock's `resolutionMs` when the chain keeps
 * time coarser than a millisecond), and with facet `slots` its slot is ahead of (or behind)
 * the slot of an unskewed clock by `offset / slotMs` within {@link SLOT_TOLERANCE}. Probed
 * until it holds or {@link CONFIRM_TIMEOUT_MS} passes.
 */
export async function confirmClock(t: ConfirmTarget, expected: ClockExpectation): Promise<ClockCheck> {
  const clock = t.clock ?? systemClock;
  const client = facetClient(t.client, 'clock-skew', expected.adapter, 'clock skew');
  let why = 'it did not answer';
  let check: ClockCheck | undefined;
  const ok = await until(clock, CONFIRM_TIMEOUT_MS, async () => {
    const before = clock.now();
    let reading: Awaited<ReturnType<typeof client.clock>>;
    try {
      reading = await client.clock({ timeoutMs: 1000 });
    } catch (error) {
      why = `it did not answer (${(error as Error).message})`;
      return false;
    }
    const after = clock.now();
    const mid = (before + after) / 2;
    const c: ClockCheck = {
      measuredOffsetMs: Math.round(reading.now - mid),
      uncertaintyMs: Math.ceil((after - before) / 2),
    };
    check = c;
    // A clock kept coarser than a millisecond is read at the middle of its step (facet
    // `clock-skew`, `resolutionMs`): half a step more, on that chain only.
    const margin = c.uncertaintyMs + CLOCK_SLACK_MS + Math.ceil((reading.resolutionMs ?? 0) / 2);
    if (Math.abs(c.measuredOffsetMs - expected.offsetMs) > margin) {
      why = `its clock reads ${signedMs(c.measuredOffsetMs)} from ours, expected ${signedMs(expected.offsetMs)} ± ${margin} ms`;
      return false;
    }
    const slots = expected.slots;
    if (slots === undefined || reading.slot === undefined) return true;
    c.slot = reading.slot;
    c.referenceSlot = Math.floor((mid - slots.genesisTime) / slots.slotMs);
    const ahead = reading.slot - c.referenceSlot;
    const want = expected.offsetMs / slots.slotMs;
    const tolerance = SLOT_TOLERANCE + c.uncertaintyMs / slots.slotMs;
    if (Math.abs(ahead - want) > tolerance) {
      why =
        `its slot is ${reading.slot} while an unskewed clock is in slot ${c.referenceSlot}: ` +
        `${ahead} slots apart, expected ${want.toFixed(1)} ± ${tolerance.toFixed(1)} (offset / slot of ${slots.slotMs} ms)`;
      return false;
    }
    return true;
  });
  if (!ok) fail(t, 'clock-skew', `${why} ${CONFIRM_TIMEOUT_MS} ms after the change`);
  return check!;
}

function signedMs(ms: number): string {
  return `${ms < 0 ? '-' : '+'}${Math.abs(ms)} ms`;
}

function fail(t: ConfirmTarget, action: string, why: string): never {
  throw new NodeControlError(t.name, action, `the ${action} could not be confirmed: ${why}`);
}
