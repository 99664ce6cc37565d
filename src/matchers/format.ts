/**
 * Wording shared by every matcher message, so all failures read alike:
 * `t=12.0s` for recording times, short hashes, node lists, the seed and its replay hint.
 */

/** Recording time (ms since start) as `t=12.0s`. */
export function at(ms: number): string {
  return `t=${seconds(ms)}`;
}

/** A duration as `30.0s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** `between t=12.0s and t=42.0s`. */
export function between(from: number, to: number): string {
  return `between ${at(from)} and ${at(to)}`;
}

/** First 8 hex chars of a hash or address, enough to tell them apart in a message. */
export function short(hex: string | undefined): string {
  if (hex === undefined) return '(unknown)';
  return hex.length > 10 ? `${hex.slice(0, 8)}…` : hex;
}

/** `val-0, val-1 and val-2`. */
export function nodeList(nodes: readonly string[]): string {
  if (nodes.length <= 1) return nodes.join('');
  return `${nodes.slice(0, -1).join(', ')} and ${nodes.at(-1)}`;
}

/** `1 block` / `3 blocks`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** Signed difference, `+57` / `-3`. */
export function signed(n: number | bigint): string {
  return n >= 0 ? `+${n}` : String(n);
}

/** A percentage with at most one decimal, `77.5%`. */
export function percent(fraction: number): string {
  return `${Math.round(fraction * 1000) / 10}%`;
}

/**
 * The closing line of every failure: the seed and how to replay it with the runner in use
 * (Jest sets JEST_WORKER_ID in every process that runs tests; anything else is Vitest).
 */
export function replayHint(seed: number, env: NodeJS.ProcessEnv = process.env): string {
  return env.JEST_WORKER_ID === undefined
    ? `replay: CHAINLAB_SEED=${seed} npx vitest run <this file>`
    : `replay: CHAINLAB_SEED=${seed} NODE_OPTIONS=--experimental-vm-modules npx jest <this file>`;
}
