/**
 * The libfaketime wiring against the real library: a child Node process under
 * `faketimeEnv` reads the offset file, a rewrite applies at its next clock read, its
 * monotonic clock stays real, and no thread ever reads the unshifted wall clock.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { faketimeEnv, faketimeOffset, libfaketimeMissing, writeOffsetFile } from './faketime.ts';

const run = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chainlab-faketime-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** `Date.now()` minus our clock, and `performance.timeOrigin` minus ours, in a child under libfaketime. */
async function childClock(file: string): Promise<{ wallMs: number; originMs: number }> {
  const script =
    'process.stdout.write(JSON.stringify({ now: Date.now(), mono: Number(process.hrtime.bigint() / 1000000n) }))';
  const before = Date.now();
  const monoBefore = Number(process.hrtime.bigint() / 1_000_000n);
  const { stdout } = await run(process.execPath, ['-e', script], {
    env: { ...process.env, ...faketimeEnv(file) },
  });
  const after = Date.now();
  const child = JSON.parse(stdout) as { now: number; mono: number };
  return { wallMs: child.now - (before + after) / 2, originMs: child.mono - monoBefore };
}

/**
 * A child that reads `Date.now()` in a tight loop on `threads` worker threads for `ms` and
 * counts, per thread, the reads that fell back by more than `dropMs` from the one before.
 */
async function wallClockDrops(
  file: string,
  opts: { threads: number; ms: number; dropMs: number },
): Promise<{ reads: number[]; drops: number[] }> {
  const script = join(dir, 'wall-clock-reads.mjs');
  await writeFile(
    script,
    `import { Worker, isMainThread, parentPort } from 'node:worker_threads';
if (isMainThread) {
  const workers = Array.from({ length: ${opts.threads} }, () => new Worker(new URL(import.meta.url)));
  const counts = await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  process.stdout.write(JSON.stringify({ reads: counts.map((c) => c.reads), drops: counts.map((c) => c.drops) }));
} else {
  let reads = 0, drops = 0, last = Date.now();
  const end = performance.now() + ${opts.ms};
  while (performance.now() < end) {
    const now = Date.now();
    reads++;
    if (now < last - ${opts.dropMs}) drops++;
    last = now;
  }
  parentPort.postMessage({ reads, drops });
}
`,
  );
  const { stdout } = await run(process.execPath, [script], {
    env: { ...process.env, ...faketimeEnv(file) },
  });
  return JSON.parse(stdout) as { reads: number[]; drops: number[] };
}

describe('libfaketime through an offset file', () => {
  test('offsets in its relative syntax: seconds with ms, signed, never a bare 0', () => {
    expect(faketimeOffset(1500)).toBe('+1.500s');
    expect(faketimeOffset(-200)).toBe('-0.200s');
    expect(faketimeOffset(0)).toBe('+0.000s');
  });

  test('is installed here', () => {
    expect(libfaketimeMissing()).toBeUndefined();
    expect(libfaketimeMissing('/nowhere/libfaketime.so.1')).toMatch(/apt-get install libfaketime/);
  });

  test("a child's wall clock follows the file, its monotonic clock does not", async () => {
    const file = join(dir, 'offset');
    await writeOffsetFile(file, 5000);
    expect(await readFile(file, 'utf8')).toBe('+5.000s\n');
    const ahead = await childClock(file);
    // A child process start takes a while: its wall clock is compared across the whole run.
    expect(ahead.wallMs).toBeGreaterThan(4000);
    expect(ahead.wallMs).toBeLessThan(6000);
    // Monotonic: read after our own reading, within the child's run (not 5 s ahead).
    expect(ahead.originMs).toBeGreaterThanOrEqual(0);
    expect(ahead.originMs).toBeLessThan(3000);
    await writeOffsetFile(file, -5000);
    const behind = await childClock(file);
    expect(behind.wallMs).toBeLessThan(-4000);
    expect(behind.wallMs).toBeGreaterThan(-6000);
  });

  // The plain libfaketime build set the offset to 0 for an instant now and then when threads
  // read the clock at once (faketime.ts says how): dozens of such reads in this test.
  test('a child reading the wall clock from four threads at once never sees it unshifted', async () => {
    const file = join(dir, 'threads-offset');
    await writeOffsetFile(file, 100_000);
    const { reads, drops } = await wallClockDrops(file, { threads: 4, ms: 2000, dropMs: 50_000 });
    // Every thread read the clock many times (the check ran), and never 100 s back.
    for (const count of reads) expect(count).toBeGreaterThan(1000);
    expect(drops).toEqual([0, 0, 0, 0]);
  });
});
