/**
 * Clock skew through libfaketime, shared by every deployer that can do it: a node runs with
 * libfaketime preloaded and reads its clock offset from a file at every clock read, so the
 * offset can change at run time without a restart. What is shifted, and why only that:
 *
 * - the **wall clock** (`CLOCK_REALTIME`: `Date.now()`, `gettimeofday`, `time`), which a
 *   chain node uses for slots, block timestamps and its rule for blocks from the future;
 * - **not** the monotonic clock (`DONT_FAKE_MONOTONIC=1`): libuv runs every timer on it, and
 *   a monotonic clock that steps at run time fires every timer due within a forward step at
 *   once, freezes them through a backward step, and aborts Node on a step back further than
 *   the process has run (measured in refnode/README.md, "Clock skew"). Timers, timeouts,
 *   `performance.now()` and `process.hrtime()` stay real.
 *
 * libfaketime shifts any dynamically linked program that reads the clock through libc
 * (Node, litecoind, most daemons); a statically linked one (Go binaries) is not affected,
 * which the cluster's confirmation of every skew then reports.
 *
 * The library is the **multi-threaded build** (`libfaketimeMT.so.1`, in the same Debian
 * package), which takes a lock around each faked clock read. The plain build re-reads the
 * offset file with no lock, through buffers shared by all threads: while one thread rewrites
 * the file's path (glibc's `snprintf` blanks a buffer before it writes it), another opens an
 * empty path, finds no file, and libfaketime sets the offset to 0 for every thread until the
 * next read. Node reads the clock from several threads, so a skewed node's `Date.now()` fell
 * back to the real clock for an instant now and then (dozens of reads in two seconds from
 * four busy threads; `faketime.e2e.test.ts` counts them).
 */
import { existsSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';

/**
 * Where Debian puts the multi-threaded libfaketime (and chainlab's images copy it to the same
 * path); see the module comment for why not the plain `libfaketime.so.1`. Its lock has one cost
 * (libfaketime's Makefile warns of it): a clock read is not async-signal-safe, so a
 * multi-threaded node that forks while another thread reads the clock, and reads it again in
 * the child before `exec`, could hang. Node's own spawn goes from fork straight to `exec`, and
 * refnode and litecoind start no children; a node under test that forks workers and reads the
 * clock in them can be given the plain build through `faketimeEnv`'s `library`.
 */
export const LIBFAKETIME_PATH = '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1';

/** Name of a node's offset file inside its clock dir. */
export const OFFSET_FILE = 'offset';

/**
 * The environment that runs a program under libfaketime with its offset read from
 * `offsetFile` (as the program sees the path) at every clock read.
 *
 * @example
 * faketimeEnv('/chainlab/clock/offset');
 * // { LD_PRELOAD: '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1', FAKETIME_TIMESTAMP_FILE: '/chainlab/clock/offset', FAKETIME_NO_CACHE: '1', DONT_FAKE_MONOTONIC: '1' }
 */
export function faketimeEnv(offsetFile: string, library = LIBFAKETIME_PATH): Record<string, string> {
  return {
    LD_PRELOAD: library,
    FAKETIME_TIMESTAMP_FILE: offsetFile,
    // Re-read the file at every clock read: a new offset applies at once (about 11 µs per
    // read; refnode's clock reads are few).
    FAKETIME_NO_CACHE: '1',
    // Timers stay on real time through any step (see the module comment).
    DONT_FAKE_MONOTONIC: '1',
  };
}

/**
 * An offset in libfaketime's relative syntax, in seconds with millisecond precision
 * (libfaketime reads `ms` as minutes, and a bare `0` as an absolute date).
 *
 * @example
 * faketimeOffset(1500); // '+1.500s'
 * faketimeOffset(-200); // '-0.200s'
 */
export function faketimeOffset(offsetMs: number): string {
  const ms = Math.round(offsetMs);
  return `${ms < 0 ? '-' : '+'}${(Math.abs(ms) / 1000).toFixed(3)}s`;
}

/**
 * Writes an offset file atomically (a temp file renamed over it): a reader at any moment
 * sees the old or the new offset, never an empty file (which libfaketime reads as 0).
 */
export async function writeOffsetFile(path: string, offsetMs: number): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${faketimeOffset(offsetMs)}\n`, { mode: 0o644 });
  await rename(temp, path);
}

/** Why libfaketime cannot be used on this machine, or undefined when it can. */
export function libfaketimeMissing(library = LIBFAKETIME_PATH): string | undefined {
  return existsSync(library)
    ? undefined
    : `libfaketime is not installed (${library}); install it (Debian: apt-get install libfaketime)`;
}
