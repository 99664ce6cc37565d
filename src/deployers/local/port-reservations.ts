/**
 * Machine-wide reservations of the loopback ports local nodes listen on. A port is free
 * when it is picked, but its node binds it only once its process has booted, and again
 * after every restart; a cluster started meanwhile by another process (a second Vitest
 * worker, another run) could pick it in such a gap, and its node would fail to bind.
 * A reservation is a file `<tmpdir>/chainlab-ports/<port>`, created exclusively, that holds
 * the owner's pid: pickers skip reserved ports, the owner removes its files when its
 * cluster is disposed, and the sweep removes those whose owner is dead.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pidAlive } from '../../cluster/cleanup/sweeper.ts';

/** The dir holding one file per reserved port. */
export const reservationsDir = (): string => join(tmpdir(), 'chainlab-ports');

/** The pid in a reservation file; undefined while its writer has not written it yet. */
function ownerOf(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True when some process (alive or not yet swept) holds `port`. */
export const isReserved = (port: number, dir = reservationsDir()): boolean =>
  existsSync(join(dir, String(port)));

/**
 * Reserves `port` for this process. False when any process holds it, even a dead one: a
 * picker skips such a port rather than race another picker to reclaim it (the sweep does).
 */
export function tryReserve(port: number, dir = reservationsDir()): boolean {
  const file = join(dir, String(port));
  // Twice: the dir is made on first use, and another process's release may remove it
  // between our mkdir and create (then this port is skipped).
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code !== 'ENOENT') throw error;
      mkdirSync(dir, { recursive: true });
    }
  }
  return false;
}

/** Drops this process's reservations of `ports`, and the dir once nobody holds any. */
export function release(ports: Iterable<number>, dir = reservationsDir()): void {
  for (const port of ports) {
    const file = join(dir, String(port));
    if (ownerOf(file) === process.pid) rmSync(file, { force: true });
  }
  try {
    rmdirSync(dir);
  } catch {
    // Not empty (another owner's ports), or already gone.
  }
}

/** A file no pid was ever written to (its writer killed in between) is dropped after this. */
const unwrittenGraceMs = 60_000;

function unwrittenLongAgo(file: string): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs > unwrittenGraceMs;
  } catch {
    return false;
  }
}

/** Removes the reservations of dead processes; returns the ports freed. */
export function sweepDeadReservations(dir = reservationsDir()): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const freed: number[] = [];
  for (const name of names) {
    const file = join(dir, name);
    const owner = ownerOf(file);
    const dead = owner === undefined ? unwrittenLongAgo(file) : owner !== process.pid && !pidAlive(owner);
    if (!dead) continue;
    rmSync(file, { force: true });
    freed.push(Number(name));
  }
  release([], dir);
  return freed;
}
