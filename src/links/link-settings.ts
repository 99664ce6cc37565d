/**
 * What a user may ask of a link, as zod schemas (the single source of each option's type,
 * default and "allowed" text): per-link settings, latency tiers, which links a change
 * applies to. Validated before anything is touched.
 */
import { z } from 'zod';
import type { ConfigIssue } from '../support/errors.ts';
import { type AllowedText, parseOptions, throwIfIssues } from '../support/validate.ts';

/** Settings of one direction of a link; unset fields keep what other faults set (default: none). */
export interface LinkSettings {
  /** One-way delay (ms). Default 0; 0..60 000. */
  latencyMs?: number;
  /** Delay varies uniformly by ± this per chunk, never reordering (ms). Default 0; 0..60 000. */
  jitterMs?: number;
  /** Chance a chunk is lost once (TCP retransmits it 200 ms + a round trip later). Default 0; 0..1. */
  loss?: number;
  /** Bandwidth cap, bytes per second, shared by the link's connections; 0 = none. Default 0. */
  bytesPerSecond?: number;
  /** Pass nothing: connections carrying this direction are reset, new ones wait. Default false. */
  blackhole?: boolean;
}

/** Every field set: what the proxy gets for one direction. */
export type FullLinkSettings = Required<LinkSettings>;

/** Neutral settings: no delay, no loss, no cap, open. */
export const openLink: Readonly<FullLinkSettings> = Object.freeze({
  latencyMs: 0,
  jitterMs: 0,
  loss: 0,
  bytesPerSecond: 0,
  blackhole: false,
});

const settingsAllowed: AllowedText = {
  latencyMs: 'a number of ms, 0..60000',
  jitterMs: 'a number of ms, 0..60000',
  loss: 'a probability, 0..1',
  bytesPerSecond: 'a number of bytes per second ≥ 0 (0 = no cap)',
  blackhole: 'true or false',
  '*': 'latencyMs, jitterMs, loss, bytesPerSecond, blackhole',
};

export const linkSettingsSchema = z.strictObject({
  latencyMs: z.number().min(0).max(60_000).optional(),
  jitterMs: z.number().min(0).max(60_000).optional(),
  loss: z.number().min(0).max(1).optional(),
  bytesPerSecond: z.number().min(0).max(1e12).optional(),
  blackhole: z.boolean().optional(),
});

/** Validates link settings; throws one `ConfigError` naming every bad field. */
export function parseLinkSettings(input: unknown, subject = 'link settings'): LinkSettings {
  return parseOptions(linkSettingsSchema, input ?? {}, subject, settingsAllowed) as LinkSettings;
}

/**
 * A latency tier: nodes at about the same distance from the rest. A link between two nodes
 * gets the larger of their tiers' latencies, each way (a node far away is far from everyone).
 */
export interface LatencyTier {
  /** Name shown in the schedule and in `toPropagateWithin` reports. Default `tier-<i>`. */
  name?: string;
  nodes: string[];
  /** One-way delay of links touching this tier (ms). */
  latencyMs: number;
  /** Jitter of those links (ms). Default 0. */
  jitterMs?: number;
}

/** Options of `links.latency`. */
export interface LatencyOptions {
  /** Tiers; nodes in none keep 0 ms between themselves (and a tier's latency towards tiers). */
  tiers: LatencyTier[];
}

const tierSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/)
    .optional(),
  nodes: z.array(z.string().min(1)).min(1),
  latencyMs: z.number().min(0).max(60_000),
  jitterMs: z.number().min(0).max(60_000).optional(),
});

const latencySchema = z.strictObject({ tiers: z.array(tierSchema).min(1) });

const latencyAllowed: AllowedText = {
  tiers: 'a non-empty array of { name?, nodes, latencyMs, jitterMs? }',
  'tiers.name': 'a name of 1..40 letters, digits, - or _',
  'tiers.nodes': 'a non-empty array of node names',
  'tiers.latencyMs': 'a number of ms, 0..60000',
  'tiers.jitterMs': 'a number of ms, 0..60000',
  'tiers.*': 'name, nodes, latencyMs, jitterMs',
  '*': 'tiers is the only option',
};

/** Tiers with names filled in. */
export type NamedTier = LatencyTier & { name: string };

/** Validates latency tiers (a node in two tiers is refused); names default to `tier-<i>`. */
export function parseLatencyOptions(input: unknown, known: readonly string[]): NamedTier[] {
  const parsed = parseOptions(latencySchema, input, 'latency options', latencyAllowed);
  const seen = new Map<string, number>();
  const issues: ConfigIssue[] = [];
  parsed.tiers.forEach((tier, i) => {
    tier.nodes.forEach((node, j) => {
      if (!known.includes(node))
        issues.push({ path: `tiers[${i}].nodes[${j}]`, value: node, allowed: `a node: ${known.join(', ')}` });
      else if (seen.has(node))
        issues.push({
          path: `tiers[${i}].nodes[${j}]`,
          value: node,
          allowed: `a node in one tier only (it is in tiers[${seen.get(node)}] too)`,
        });
      seen.set(node, i);
    });
  });
  throwIfIssues('latency options', issues);
  return parsed.tiers.map((t, i) => ({ ...t, name: t.name ?? `tier-${i}` }));
}

/** The one-way latency and jitter of the link between `a` and `b` under `tiers` (the larger tier wins). */
export function tierLink(
  tiers: readonly LatencyTier[],
  a: string,
  b: string,
): { latencyMs: number; jitterMs: number } {
  const of = (n: string) => tiers.find((t) => t.nodes.includes(n));
  const ta = of(a);
  const tb = of(b);
  const pick = [ta, tb]
    .filter((t): t is LatencyTier => t !== undefined)
    .sort((x, y) => y.latencyMs - x.latencyMs)[0];
  return { latencyMs: pick?.latencyMs ?? 0, jitterMs: pick?.jitterMs ?? 0 };
}

/** Which links a `links.set` applies to: one direction, or both directions between two nodes. */
export type LinkSelection = { from: string; to: string } | { between: [string, string] };

/** The directed links (`[from, to]`) a selection names; every name must be a node. */
export function selectedLinks(sel: LinkSelection, known: readonly string[]): [string, string][] {
  const pairs: [string, string][] =
    'between' in sel
      ? [
          [sel.between[0], sel.between[1]],
          [sel.between[1], sel.between[0]],
        ]
      : [[sel.from, sel.to]];
  const issues: ConfigIssue[] = [];
  const names = 'between' in sel ? { 'between[0]': sel.between[0], 'between[1]': sel.between[1] } : sel;
  for (const [path, value] of Object.entries(names))
    if (!known.includes(value as string))
      issues.push({ path, value, allowed: `a node: ${known.join(', ')}` });
  if (pairs[0]![0] === pairs[0]![1])
    issues.push({
      path: 'between' in sel ? 'between' : 'to',
      value: pairs[0]![1],
      allowed: 'two different nodes',
    });
  throwIfIssues('link selection', issues);
  return pairs;
}

/** A directed link as recordings and messages print it: `val-0→val-1`. */
export function arrow(from: string, to: string): string {
  return `${from}→${to}`;
}
