/**
 * The libfaketime wiring against the real library: a child Node process under
 * `faketimeEnv` reads the offset file, a rewrite applies at its next clock read, and its
 * monotonic clock stays real.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
});
