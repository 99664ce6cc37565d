/**
 * Who hears about a failed judgement while the test is still running: a matcher announces
 * its failure on the recording it judged, and whoever kept that recording (the Vitest
 * fixture, the Jest helper) writes the run's report and attaches it to the test. Listeners
 * answer with lines the matcher adds to its message (where the report went).
 */
import type { ReportFailure } from './html-report/report-meta.ts';
import type { Recording } from './recording.ts';

/** Called with each failed judgement; returns lines for the failure message (e.g. report paths). */
export type FailureListener = (failure: ReportFailure) => Promise<readonly string[]> | readonly string[];

const listeners = new WeakMap<Recording, Set<FailureListener>>();

/**
 * Listens for failed judgements of `recording` until disposed.
 *
 * @example
 * using _ = onJudgementFailure(cluster.recording, async (f) => [`report: ${await keep(f)}`]);
 */
export function onJudgementFailure(recording: Recording, listener: FailureListener): Disposable {
  let set = listeners.get(recording);
  if (!set) {
    set = new Set();
    listeners.set(recording, set);
  }
  set.add(listener);
  return { [Symbol.dispose]: () => set.delete(listener) };
}

/**
 * Tells every listener of `recording` about a failure; returns their lines. A listener that
 * throws adds a line saying so: the failure itself must still be reported.
 */
export async function announceFailure(recording: Recording, failure: ReportFailure): Promise<string[]> {
  const lines: string[] = [];
  for (const listener of [...(listeners.get(recording) ?? [])]) {
    try {
      lines.push(...(await listener(failure)));
    } catch (error) {
      lines.push(`(chainlab could not keep this failure's report: ${(error as Error).message})`);
    }
  }
  return lines;
}
