/** Benches' view of a process's CPU use (Linux /proc). */
import { readFileSync } from 'node:fs';

/** User + system CPU seconds of a process so far (Linux /proc; clock ticks of 10 ms). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
