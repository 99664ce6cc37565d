/**
 * `toMakeAvailable(blobsOrWorkload, { within, from = 'other-node' })`: every published blob
 * was certified, included in order per channel, and given back byte-for-byte by a node that
 * was not its entry point, within the window. The certificate counts only as the adapter
 * verified it: valid attestations holding the chain's threshold stake. Retrievals tried
 * with validators down (`verifyRetrieval`) must have succeeded too. The matcher reads the
 * recording only (the DA workload and `verifyRetrieval` probe the nodes).
 */

import { z } from 'zod';
import { requireFacet } from '../adapter/facets.ts';
import { retrievedIntact } from '../observe/blob-probe.ts';
import type { BlobRecord, Recording } from '../observe/recording.ts';
import { parseOptions } from '../support/validate.ts';
import { at, between, nodeList, percent, plural, replayHint, seconds, short } from './format.ts';
import {
  blocksWithin,
  type MatcherResult,
  type MatcherThis,
  pollUntilVerdict,
  settle,
  toSubject,
} from './shell.ts';
import type { TimeWindow } from './timeline.ts';

/** A DA workload (anything with `published()`), blob records or blob ids. */
export type BlobSource =
  | { readonly name?: string; published(): readonly BlobRecord[] }
  | readonly (string | { readonly id: string })[];

/** Options of `toMakeAvailable`. */
export interface MakeAvailableOptions {
  /** How long to wait (ms). Default: `max(10_000, (securityParam + 10) · slotMs / f)`. */
  within?: number;
  /** `other-node` (default): a retrieval counts only from a node other than the blob's entry point. `any`: from any node. */
  from?: 'other-node' | 'any';
}

/** Why a blob is not (yet) available. */
export interface UnavailableBlob {
  id: string;
  record: BlobRecord | undefined;
  why:
    | 'never-published'
    | 'rejected'
    | 'failed'
    | 'not-certified'
    | 'not-included'
    | 'reorged-out'
    | 'certificate-unchecked'
    | 'certificate-invalid'
    | 'certificate-below-threshold'
    | 'not-retrieved'
    | 'retrieval-failed'
    | 'corrupt'
    | 'lost-with-validators-down';
}

interface Counts {
  /** Blobs judged (ids de-duplicated). */
  total: number;
  /** Blobs certified, included and retrieved intact. */
  available: number;
  from: 'other-node' | 'any';
  /** Where the blobs came from, e.g. `of workload data-availability`. */
  source: string;
}

export interface AllAvailable extends Counts {
  kind: 'available';
}

export interface Unavailable extends Counts {
  kind: 'unavailable';
  missing: UnavailableBlob[];
}

/** A channel's blobs were included out of sequence order. */
export interface OutOfOrder extends Counts {
  kind: 'out-of-order';
  channel: string;
  earlier: { id: string; sequence: number; height: number };
  later: { id: string; sequence: number; height: number };
}

/** Nothing to judge (a workload that published nothing, an empty list). */
export interface NothingPublished extends Counts {
  kind: 'empty';
}

export type AvailabilityVerdict = AllAvailable | Unavailable | OutOfOrder | NothingPublished;

/** Problems that waiting cannot fix. */
const PERMANENT = new Set<UnavailableBlob['why']>([
  'never-published',
  'rejected',
  'failed',
  'certificate-invalid',
  'certificate-below-threshold',
  'lost-with-validators-down',
]);

const optionsSchema = z.strictObject({
  within: z.int().min(0).optional(),
  from: z.enum(['other-node', 'any']).optional(),
});

/** Validates `toMakeAvailable` options. */
export function parseMakeAvailableOptions(opts: unknown): MakeAvailableOptions {
  return parseOptions(optionsSchema, opts ?? {}, 'toMakeAvailable options', {
    within: 'an integer ≥ 0 (ms to wait)',
    from: "'other-node' (default) or 'any'",
    '*': 'one of within, from',
  }) as MakeAvailableOptions;
}

/** The blob ids of a source and a label for messages. */
export function resolveBlobSource(source: BlobSource): { ids: string[]; label: string } {
  if (Array.isArray(source)) {
    const ids = (source as readonly (string | { id: string })[]).map((x) =>
      typeof x === 'string' ? x : x.id,
    );
    return { ids: [...new Set(ids)], label: 'given' };
  }
  const w = source as { name?: string; published?: () => readonly BlobRecord[] };
  if (typeof w.published === 'function') {
    return {
      ids: [...new Set(w.published().map((b) => b.id))],
      label: `of workload ${w.name ?? '(unnamed)'}`,
    };
  }
  throw new TypeError(
    'toMakeAvailable: expected a DA workload (with published()), an array of blob records or an array of blob ids',
  );
}

/**
 * True when every node's recorded best chain has another block at the blob's height: the
 * block it was seen in lost a fork. Unknown (no block recorded there) counts as on chain.
 */
function reorgedOut(rec: Recording, b: BlobRecord, atTime: number): boolean {
  if (b.height === undefined || b.blockHash === undefined) return false;
  const hashes = rec.activeNodes(atTime).map((n) => rec.hashAt(n.name, b.height!, atTime));
  return hashes.length > 0 && hashes.every((h) => h !== undefined && h !== b.blockHash);
}

function whyUnavailable(
  rec: Recording,
  b: BlobRecord,
  from: 'other-node' | 'any',
  atTime: number,
): UnavailableBlob['why'] | undefined {
  if (b.outcome === 'rejected') return 'rejected';
  if (b.outcome === 'failed') return 'failed';
  if (b.certifiedAt === undefined) return 'not-certified';
  if (b.includedAt === undefined || b.height === undefined) return 'not-included';
  if (reorgedOut(rec, b, atTime)) return 'reorged-out';
  // The certificate is judged on what the adapter verified, not on the node's word.
  if (rec.facts.da !== undefined) {
    const c = b.certificate;
    if (c === undefined) return 'certificate-unchecked';
    if (c.invalid.length > 0) return 'certificate-invalid';
    if (c.stake < c.threshold) return 'certificate-below-threshold';
  }
  const tries = (b.retrievals ?? []).filter((r) => from === 'any' || r.node !== b.node);
  // Tried with validators down (as many as the chain tolerates): it must still come back.
  const underFaults = tries.filter((r) => (r.down ?? []).length > 0);
  if (underFaults.length > 0 && !underFaults.some((r) => r.ok && r.dataHash === b.dataHash))
    return 'lost-with-validators-down';
  if (retrievedIntact(b, from)) return undefined;
  if (tries.some((r) => r.ok)) return 'corrupt';
  return tries.length > 0 ? 'retrieval-failed' : 'not-retrieved';
}

/**
 * Judges the blobs `ids` as recorded at `atTime`. Pure.
 *
 * @example
 * const v = checkMakeAvailable(recording, da.ids(), { from: 'other-node' });
 */
export function checkMakeAvailable(
  rec: Recording,
  ids: readonly string[],
  opts: MakeAvailableOptions = {},
  atTime = rec.now(),
  source = 'given',
): AvailabilityVerdict {
  const from = opts.from ?? 'other-node';
  const wanted = [...new Set(ids)];
  const counts: Counts = { total: wanted.length, available: 0, from, source };
  if (wanted.length === 0) return { kind: 'empty', ...counts };
  const cut = atTime < rec.now() ? rec.until(atTime) : rec;
  const missing: UnavailableBlob[] = [];
  const byChannel = new Map<string, BlobRecord[]>();
  for (const id of wanted) {
    const record = cut.blobs.get(id);
    if (record === undefined) {
      missing.push({ id, record, why: 'never-published' });
      continue;
    }
    const why = whyUnavailable(cut, record, from, atTime);
    if (record.height !== undefined && why !== 'reorged-out') {
      const key = `${record.channel}\u0000${record.owner}`;
      byChannel.set(key, [...(byChannel.get(key) ?? []), record]);
    }
    if (why === undefined) counts.available++;
    else missing.push({ id, record, why });
  }
  // In order per channel: a higher sequence never sits in a lower block.
  for (const blobs of byChannel.values()) {
    blobs.sort((x, y) => x.sequence - y.sequence);
    for (let i = 1; i < blobs.length; i++) {
      const a = blobs[i - 1]!;
      const b = blobs[i]!;
      if (b.height! < a.height!)
        return {
          kind: 'out-of-order',
          ...counts,
          channel: a.channel,
          earlier: { id: a.id, sequence: a.sequence, height: a.height! },
          later: { id: b.id, sequence: b.sequence, height: b.height! },
        };
    }
  }
  return missing.length === 0
    ? { kind: 'available', ...counts }
    : { kind: 'unavailable', ...counts, missing };
}

function describeBlob(m: UnavailableBlob): string {
  const r = m.record;
  if (r === undefined) return `${short(m.id)} was never published (not in the recording)`;
  const what = `${short(m.id)} (channel ${r.channel} #${r.sequence}, ${r.size} B, published to ${r.node} at ${at(r.publishedAt)})`;
  const last = (r.retrievals ?? []).at(-1);
  switch (m.why) {
    case 'never-published':
      return `${short(m.id)} was never published`;
    case 'rejected':
      return `${what} was refused: ${r.reason ?? 'no reason given'}`;
    case 'failed':
      return `${what} got no answer: ${r.reason ?? 'no answer'}`;
    case 'not-certified':
      return `${what} was accepted but never certified`;
    case 'not-included':
      return `${what} was certified at ${at(r.certifiedAt!)} but never included in a block`;
    case 'reorged-out':
      return `${what} was seen in block ${short(r.blockHash)} at height ${r.height}, which no node has on its best chain any more`;
    case 'certificate-unchecked':
      return `${what} was included at height ${r.height} but its certificate was never checked`;
    case 'certificate-invalid': {
      const bad = r.certificate!.invalid[0]!;
      return `${what} is included at height ${r.height} with a certificate whose attestation by ${short(bad.signer)} does not verify (${bad.why}; ${plural(r.certificate!.invalid.length, 'invalid attestation')})`;
    }
    case 'certificate-below-threshold':
      return `${what} is included at height ${r.height} with a certificate whose valid attestations (${plural(r.certificate!.validSigners.length, 'validator')}) hold stake ${r.certificate!.stake}, below the threshold ${r.certificate!.threshold}`;
    case 'lost-with-validators-down': {
      const tried = (r.retrievals ?? []).filter((x) => (x.down ?? []).length > 0);
      const t = tried.at(-1)!;
      return `${what} could not be retrieved from ${t.node} at ${at(t.at)} with ${nodeList(t.down!)} down (${plural(t.down!.length, 'validator')}, as many as the chain tolerates): ${t.ok ? 'other bytes came back' : (t.reason ?? 'no reason')}`;
    }
    case 'not-retrieved':
      return `${what} was included at height ${r.height} but never retrieved from another node`;
    case 'retrieval-failed': {
      const n = (r.retrievals ?? []).length;
      return `${what} was included at height ${r.height} but could not be retrieved (${plural(n, 'attempt')}; last from ${last?.node} at ${at(last?.at ?? 0)}: ${last?.reason ?? 'no reason'})`;
    }
    case 'corrupt': {
      const bad = (r.retrievals ?? []).find((x) => x.ok && x.dataHash !== r.dataHash);
      return `${what} came back from ${bad?.node} with other bytes (${bad?.size} B, sha256 ${short(bad?.dataHash)}; published ${r.size} B, sha256 ${short(r.dataHash)})`;
    }
  }
}

function wanted(v: AvailabilityVerdict): string {
  const where = v.from === 'other-node' ? 'a node other than its entry point' : 'some node';
  return `all ${plural(v.total, 'blob')} (${v.source}) to be certified, included in order per channel and retrievable byte-for-byte from ${where}`;
}

/** Why the blobs were not all available, with up to three witnesses. */
export function availabilityFailure(v: AvailabilityVerdict, window: TimeWindow, seed: number): string {
  const span = `within ${seconds(window.to - window.from)} (${between(window.from, window.to)})`;
  let line: string;
  switch (v.kind) {
    case 'available':
      return availabilityNegated(v, window, seed);
    case 'empty':
      line = `expected ${wanted(v)} ${span}; there were no blobs to check (was the DA workload started, did it publish anything?)`;
      break;
    case 'out-of-order':
      line = `expected ${wanted(v)}; channel ${v.channel} #${v.later.sequence} (${short(v.later.id)}) is at height ${v.later.height}, below #${v.earlier.sequence} (${short(v.earlier.id)}) at height ${v.earlier.height}`;
      break;
    case 'unavailable': {
      const shown = v.missing.slice(0, 3).map(describeBlob).join('; ');
      const more = v.missing.length > 3 ? `; … ${v.missing.length - 3} more` : '';
      line = `expected ${wanted(v)} ${span}; ${v.available} were (${percent(v.available / v.total)}), ${v.missing.length} not: ${shown}${more}`;
      break;
    }
  }
  return `${line} (seed ${seed})\n${replayHint(seed)}`;
}

/** The `.not` message: every blob was available. */
export function availabilityNegated(v: AvailabilityVerdict, window: TimeWindow, seed: number): string {
  return `expected some of ${plural(v.total, 'blob')} (${v.source}) not to be available ${between(window.from, window.to)}, but all ${v.available} were (seed ${seed})`;
}

/**
 * Waits until every blob is certified, included in order and retrieved intact from a node
 * other than its entry point, or fails after `within`.
 *
 * @example
 * const da = await background(dataAvailability({ channels: 2, blobRate: 3 }));
 * await sleep(10_000);
 * await da.stop();
 * await expect(cluster).toMakeAvailable(da, { within: 15_000 });
 */
export async function toMakeAvailable(
  this: MatcherThis,
  received: unknown,
  blobs: BlobSource,
  options?: MakeAvailableOptions,
): Promise<MatcherResult> {
  const subject = toSubject('toMakeAvailable', received);
  requireFacet(subject.recording, 'toMakeAvailable', 'da');
  const opts = parseMakeAvailableOptions(options);
  const { ids, label } = resolveBlobSource(blobs);
  const rec = subject.recording;
  const blockMs = rec.facts.production.expectedIntervalMs;
  const within = opts.within ?? blocksWithin(rec.facts, 10_000);
  // The DA workload's probes fill the recording (status, certificates, retrievals); this
  // only waits for them, re-judging until nothing waiting can change the verdict.
  const { verdict, window } = await pollUntilVerdict(subject, {
    until: rec.now() + within,
    everyMs: Math.min(500, Math.max(100, blockMs / 2)),
    check: (now) => checkMakeAvailable(rec, ids, opts, now, label),
    settled: (v) =>
      v.kind === 'available' ||
      v.kind === 'empty' ||
      (v.kind === 'unavailable' && v.missing.every((m) => PERMANENT.has(m.why))),
  });
  return settle(this, subject, {
    matcher: 'toMakeAvailable',
    pass: verdict.kind === 'available',
    failure: () => availabilityFailure(verdict, window, rec.seed),
    negated: () => availabilityNegated(verdict, window, rec.seed),
    actual: verdict,
    expected: { kind: 'available', total: verdict.total, from: verdict.from },
    window,
  });
}
