/**
 * One submission of a generated invalid case: build it through the forger, send it (a tx
 * or a raw body), wait out backpressure, and record the node's answer. Backpressure
 * (`overloaded`, `rate_limited`) says the node did not look at the tx yet, so it is no
 * verdict: the case is sent again after the node's Retry-After, as the runner does.
 */
import type { CanonicalReason } from '../adapter/reasons.ts';
import type { ForgeCase, ForgeContext, Forger, SubmitResult } from '../adapter/types.ts';
import type { StartedNode } from '../cluster/types.ts';
import type { Recording } from '../observe/recording.ts';
import { systemClock } from '../support/clock.ts';
import { WorkloadError } from '../support/errors.ts';
import type { InvalidAttempt } from './invalid-txs.ts';

/** Resends of one case after backpressure before its last answer counts. */
const BUSY_RETRIES = 20;
/** Wait before a resend when the node named none (ms). */
const BUSY_DEFAULT_MS = 200;

/** What every attempt of one fuzzing run shares. */
export interface AttemptContext {
  name: string;
  forger: Forger;
  targets: readonly StartedNode[];
  ground: Omit<ForgeContext, 'client'>;
  /** Canonical reasons to accept per kind, where they differ from the forger's. */
  reasons: Record<string, CanonicalReason[]> | undefined;
  /** The primed (included) tx's id: resent as `duplicate`, never recorded again. */
  includedId: string;
  recording: Recording;
}

function isBusy(r: SubmitResult | { failed: string }): r is SubmitResult & { ok: false } {
  return 'ok' in r && !r.ok && (r.code === 'overloaded' || r.code === 'rate_limited');
}

async function submit(
  node: StartedNode,
  name: string,
  m: { raw?: string; tx?: Parameters<StartedNode['client']['submitTx']>[0] },
): Promise<SubmitResult | { failed: string }> {
  try {
    if (m.raw !== undefined) {
      if (!node.client.submitRaw)
        throw new WorkloadError(name, `${node.name}'s client cannot submit raw bodies`);
      return await node.client.submitRaw(m.raw);
    }
    return await node.client.submitTx(m.tx!);
  } catch (error) {
    if (WorkloadError.is(error)) throw error;
    return { failed: (error as Error).message.split('\n', 1)[0]! };
  }
}

/**
 * Sends case `c` and records what the node answered.
 *
 * @example
 * const a = await attemptCase(ctx, c, { run: 3, phase: 'run' });
 */
export async function attemptCase(
  ctx: AttemptContext,
  c: ForgeCase,
  place: { run: number; phase: 'run' | 'shrink' },
): Promise<InvalidAttempt> {
  const node = ctx.targets[c.node % ctx.targets.length]!;
  const m = await ctx.forger.build(c, { ...ctx.ground, client: node.client });
  const expected = ctx.reasons?.[c.kind] ?? m.expect;
  let at = ctx.recording.now();
  let result = await submit(node, ctx.name, m);
  let retries = 0;
  while (isBusy(result) && retries < BUSY_RETRIES) {
    await systemClock.sleep(result.retryAfterMs ?? BUSY_DEFAULT_MS);
    retries++;
    at = ctx.recording.now();
    result = await submit(node, ctx.name, m);
  }
  const id = m.tx === undefined ? undefined : 'ok' in result && result.ok ? result.id : m.tx.id;
  const a: InvalidAttempt = {
    ...place,
    case: c,
    node: node.name,
    at,
    expected,
    ...('failed' in result
      ? { outcome: 'failed' as const, message: result.failed }
      : result.ok
        ? { outcome: 'accepted' as const, code: 'accepted' }
        : { outcome: 'rejected' as const, code: result.code, message: result.message }),
    ...(id === undefined ? {} : { id }),
    ...(retries > 0 ? { retries } : {}),
  };
  if (m.tx !== undefined && id !== undefined && id !== ctx.includedId) {
    ctx.recording.recordTx({
      id,
      ...m.tx.summary,
      workload: ctx.name,
      node: node.name,
      submittedAt: at,
      outcome: a.outcome,
      ...(a.outcome === 'rejected' && a.code !== undefined ? { reason: a.code } : {}),
      ...(a.outcome === 'failed' && a.message !== undefined ? { reason: a.message } : {}),
    });
  }
  return a;
}

/** Whether an attempt got the answer its kind expects. */
export function rightAnswer(a: InvalidAttempt): boolean {
  return a.outcome === 'rejected' && a.code !== undefined && a.expected.includes(a.code as CanonicalReason);
}
