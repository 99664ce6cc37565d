// A real hog: it burns CPU, stops when told, and stops by itself when its parent is killed.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { pidAlive } from '../../src/cluster/cleanup/sweeper.ts';
import { eventually } from '../../test/helpers.ts';
import { startCpuHog } from './cpu-hog.ts';

/** CPU time a process has used, in clock ticks (utime + stime from /proc). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

describe('startCpuHog', () => {
  test('keeps a core busy until stopped', async () => {
    await using hog = startCpuHog(1);
    const [pid] = hog.pids;
    // 20 ticks is 200 ms of CPU at 100 Hz: only a process that spins gets there.
    expect(await eventually(async () => cpuTicks(pid!) >= 20, 10_000)).toBe(true);
    await hog.stop();
    expect(pidAlive(pid!)).toBe(false);
    await hog.stop();
  });

  test('stops by itself when the process that started it is killed', async () => {
    const script = fileURLToPath(new URL('./fixtures/hog-parent.ts', import.meta.url));
    const parent = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(parent.stdout, 'data')) as [Buffer];
    const pid = Number(line.toString().trim());
    expect(pidAlive(pid)).toBe(true);
    parent.kill('SIGKILL');
    expect(await eventually(async () => !pidAlive(pid), 10_000)).toBe(true);
  });

  test('stops by itself after its time limit', async () => {
    const hog = startCpuHog(1, 300);
    const [pid] = hog.pids;
    expect(await eventually(async () => !pidAlive(pid!), 10_000)).toBe(true);
    await hog.stop();
  });
});
