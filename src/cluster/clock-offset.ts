/**
 * How clock offsets and jitter are written in options: a number of ms, or text with a unit
 * (`'+1s'`, `'-250ms'`, `'±200ms'`). One schema per kind, so the cluster option, the chaos
 * action and `node.setClockOffset` accept the same words and refuse the same way.
 */
import { z } from 'zod';

/** A clock offset: ms (negative = behind), or `'+1s'`, `'-1.5s'`, `'+250ms'`. */
export type ClockOffset = number | string;

/** A jitter amplitude: ms ≥ 0, or `'±200ms'`, `'200ms'`, `'0.2s'`. */
export type ClockJitter = number | string;

/** Largest offset or jitter: a year either way (libfaketime takes any; this catches typos in units). */
export const MAX_CLOCK_OFFSET_MS = 365 * 24 * 3600 * 1000;

/** Shortest interval between two jitter draws, and the default. */
export const MIN_JITTER_EVERY_MS = 100;
export const DEFAULT_JITTER_EVERY_MS = 1000;

const offsetText = /^([+-]?)(\d+(?:\.\d+)?)\s*(ms|s)$/;
const jitterText = /^(?:±|\+-|\+\/-)?(\d+(?:\.\d+)?)\s*(ms|s)$/;

function toMs(amount: string, unit: string): number {
  return Math.round(Number(amount) * (unit === 's' ? 1000 : 1));
}

/** The offset in ms, or undefined when `value` is not an offset. */
export function parseClockOffset(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.round(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const m = offsetText.exec(value.trim());
  if (!m) return undefined;
  const ms = toMs(m[2]!, m[3]!);
  return m[1] === '-' ? -ms : ms;
}

/** The jitter amplitude in ms, or undefined when `value` is not one. */
export function parseClockJitter(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const m = jitterText.exec(value.trim());
  return m ? toMs(m[1]!, m[2]!) : undefined;
}

/** What an offset may be, for `ConfigError` messages. */
export const clockOffsetAllowed = `ms as a number, or '+1s', '-250ms', '-1.5s' (at most a year either way)`;
/** What a jitter amplitude may be, for `ConfigError` messages. */
export const clockJitterAllowed = `ms ≥ 0 as a number, or '±200ms', '0.5s' (at most a year)`;
/** What a jitter interval may be. */
export const jitterEveryAllowed = `an integer ${MIN_JITTER_EVERY_MS}..3600000 (ms between two draws)`;

/** Schema of one offset, giving ms. */
export const clockOffsetSchema = z.unknown().transform((v, ctx) => {
  const ms = parseClockOffset(v);
  if (ms === undefined || Math.abs(ms) > MAX_CLOCK_OFFSET_MS) {
    ctx.addIssue({ code: 'custom', message: clockOffsetAllowed });
    return z.NEVER;
  }
  return ms;
});

/** Schema of one jitter amplitude, giving ms. */
export const clockJitterSchema = z.unknown().transform((v, ctx) => {
  const ms = parseClockJitter(v);
  if (ms === undefined || ms > MAX_CLOCK_OFFSET_MS) {
    ctx.addIssue({ code: 'custom', message: clockJitterAllowed });
    return z.NEVER;
  }
  return ms;
});

/** Schema of the interval between jitter draws (ms). */
export const jitterEverySchema = z.int().min(MIN_JITTER_EVERY_MS).max(3_600_000);

/**
 * A node's clock setting: a fixed offset plus, when `jitterMs` > 0, a uniform draw from
 * [−jitterMs, +jitterMs] made again every `everyMs` from the cluster's seed.
 */
export interface ClockSetting {
  offsetMs: number;
  jitterMs: number;
  everyMs: number;
}

/** The setting of a node whose clock is not skewed. */
export const unskewed: ClockSetting = Object.freeze({
  offsetMs: 0,
  jitterMs: 0,
  everyMs: DEFAULT_JITTER_EVERY_MS,
});

/** True when the setting moves the node's clock at all. */
export function isSkewed(s: ClockSetting): boolean {
  return s.offsetMs !== 0 || s.jitterMs > 0;
}

/** `+1000 ms`, `-250 ms`, `+0 ms`. */
export function formatOffset(ms: number): string {
  return `${ms < 0 ? '-' : '+'}${Math.abs(Math.round(ms))} ms`;
}

/** A setting in words: `+1000 ms`, `-50 ms ± 200 ms every 1.0 s`. */
export function describeSetting(s: ClockSetting): string {
  const jitter = s.jitterMs > 0 ? ` ± ${s.jitterMs} ms every ${(s.everyMs / 1000).toFixed(1)} s` : '';
  return `${formatOffset(s.offsetMs)}${jitter}`;
}

/** Per-node clock skew, as the `clockSkew` cluster option and the `clockSkew` chaos take it. */
export interface ClockSkewOptions {
  /** Fixed offset per node name, e.g. `{ 'val-1': '+1s', 'exe-0': '-1s' }`. Default none. */
  offsets?: Record<string, ClockOffset>;
  /** Jitter amplitude per node name, e.g. `{ 'val-2': '±200ms' }`, added to its offset. Default none. */
  jitter?: Record<string, ClockJitter>;
  /** ms between two jitter draws (each from the cluster's seed). Default 1000; ≥ 100. */
  jitterEvery?: number;
}

/** The schema of {@link ClockSkewOptions} (node names are checked by the caller). */
export const clockSkewSchema = z.strictObject({
  offsets: z.record(z.string(), clockOffsetSchema).default({}),
  jitter: z.record(z.string(), clockJitterSchema).default({}),
  jitterEvery: jitterEverySchema.default(DEFAULT_JITTER_EVERY_MS),
});

/** Allowed text of {@link ClockSkewOptions} fields under `prefix` (e.g. `clockSkew`). */
export function clockSkewAllowed(prefix: string): Record<string, string> {
  const p = prefix === '' ? '' : `${prefix}.`;
  return {
    [`${p}offsets`]: `an object { [node name]: offset }, offset ${clockOffsetAllowed}`,
    [`${p}jitter`]: `an object { [node name]: amplitude }, amplitude ${clockJitterAllowed}`,
    [`${p}jitterEvery`]: jitterEveryAllowed,
    [`${p}*`]: 'one of offsets, jitter, jitterEvery',
    ...(prefix === '' ? {} : { [prefix]: 'an object { offsets?, jitter?, jitterEvery? }' }),
  };
}

/** The settings the options give, per node they name (nodes not named are left out). */
export function settingsOf(parsed: z.output<typeof clockSkewSchema>): Map<string, ClockSetting> {
  const out = new Map<string, ClockSetting>();
  for (const name of new Set([...Object.keys(parsed.offsets), ...Object.keys(parsed.jitter)])) {
    out.set(name, {
      offsetMs: parsed.offsets[name] ?? 0,
      jitterMs: parsed.jitter[name] ?? 0,
      everyMs: parsed.jitterEvery,
    });
  }
  return out;
}

/** Names in the options (as the caller wrote them) that are not in `known`, as option paths with their values. */
export function unknownClockNodes(
  options: ClockSkewOptions,
  known: ReadonlySet<string>,
  prefix: string,
): { path: string; value: unknown }[] {
  const out: { path: string; value: unknown }[] = [];
  const p = prefix === '' ? '' : `${prefix}.`;
  for (const field of ['offsets', 'jitter'] as const)
    for (const [name, value] of Object.entries(options[field] ?? {}))
      if (!known.has(name)) out.push({ path: `${p}${field}.${name}`, value });
  return out;
}
