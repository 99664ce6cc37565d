/**
 * Threads of this process as the operating system lists them (Linux `/proc/self/task`), by
 * name: how a test proves a worker thread it started is gone, not just that a handle said so.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** How many of this process's threads are named `name` (Linux keeps 15 characters of a name). */
export function threadsNamed(name: string): number {
  let n = 0;
  for (const task of readdirSync('/proc/self/task')) {
    try {
      if (readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim() === name.slice(0, 15)) n++;
    } catch {
      // The thread ended between the listing and the read: it is not running.
    }
  }
  return n;
}
