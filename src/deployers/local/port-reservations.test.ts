import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { freePorts, reservePortBlock, reservePorts } from './free-port.ts';
import {
  isReserved,
  release,
  reservationsDir,
  sweepDeadReservations,
  tryReserve,
} from './port-reservations.ts';

// A pid no process can have: above the kernel's pid_max.
const deadPid = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) + 1;

const dirs: string[] = [];
const privateDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'chainlab-ports-test-'));
  dirs.push(dir);
  return join(dir, 'ports');
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('port reservations', () => {
  test('a port is reserved once, by file, until its owner releases it; the empty dir goes too', () => {
    const dir = privateDir();
    expect(tryReserve(41_001, dir)).toBe(true);
    expect(readFileSync(join(dir, '41001'), 'utf8')).toBe(String(process.pid));
    expect(tryReserve(41_001, dir)).toBe(false);
    expect(isReserved(41_001, dir)).toBe(true);
    release([41_001], dir);
    expect(isReserved(41_001, dir)).toBe(false);
    expect(() => readdirSync(dir)).toThrow(/ENOENT/);
  });

  test("release leaves another process's reservation alone", () => {
    const dir = privateDir();
    expect(tryReserve(41_002, dir)).toBe(true);
    writeFileSync(join(dir, '41003'), String(process.ppid));
    release([41_002, 41_003], dir);
    expect(readdirSync(dir)).toEqual(['41003']);
  });

  test('the sweep frees the ports of dead owners and of files never written long ago, nothing else', () => {
    const dir = privateDir();
    expect(tryReserve(41_004, dir)).toBe(true);
    writeFileSync(join(dir, '41005'), String(deadPid));
    writeFileSync(join(dir, '41006'), String(process.ppid));
    writeFileSync(join(dir, '41007'), '');
    writeFileSync(join(dir, '41008'), '');
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    utimesSync(join(dir, '41008'), twoMinutesAgo, twoMinutesAgo);
    expect(sweepDeadReservations(dir).sort()).toEqual([41_005, 41_008]);
    expect(readdirSync(dir).sort()).toEqual(['41004', '41006', '41007']);
  });

  test('ports picked while others are reserved never include a reserved one', async () => {
    // Without the reservations, 300 random picks from the ~10,000-port range would meet
    // about 9 of the 300 reserved (closed, so free to the OS) ports.
    const held = await reservePorts(300);
    try {
      expect(new Set(held.ports).size).toBe(300);
      for (const port of held.ports) expect(isReserved(port)).toBe(true);
      const picked = await freePorts(300);
      expect(picked.filter((p) => held.ports.includes(p))).toEqual([]);
      const second = await reservePorts(300);
      expect(second.ports.filter((p) => held.ports.includes(p))).toEqual([]);
      second.release();
    } finally {
      held.release();
    }
    for (const port of held.ports) expect(isReserved(port)).toBe(false);
    expect(reservationsDir()).toBe(join(tmpdir(), 'chainlab-ports'));
  });

  test('a block is consecutive, below the ephemeral range, reserved, and never overlaps a reserved port', async () => {
    const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const held = await reservePorts(300);
    const blocks = [];
    try {
      for (let i = 0; i < 20; i++) blocks.push(await reservePortBlock(16));
      for (const { ports } of blocks) {
        expect(ports).toEqual(Array.from({ length: 16 }, (_, i) => ports[0]! + i));
        expect(ports.at(-1)).toBeLessThan(Number(ephemeralLow));
        for (const port of ports) expect(isReserved(port)).toBe(true);
        expect(ports.filter((p) => held.ports.includes(p))).toEqual([]);
      }
      const all = blocks.flatMap((b) => b.ports);
      expect(new Set(all).size, 'no two blocks share a port').toBe(all.length);
    } finally {
      held.release();
      for (const block of blocks) block.release();
    }
    for (const port of blocks.flatMap((b) => b.ports)) expect(isReserved(port)).toBe(false);
  });
});
