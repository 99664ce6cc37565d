/** Benches' count of the TCP connections a set of processes hold among themselves (Linux `ss`). */
import { execFileSync } from 'node:child_process';

interface Socket {
  localPort: number;
  remotePort: number;
  pids: number[];
}

function sockets(state: 'established' | 'listening'): Socket[] {
  const out = execFileSync('ss', ['-tnpH', 'state', state], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const ports = [...line.matchAll(/\S+:(\d+|\*)(?=\s)/g)].map((m) => Number(m[1]));
      const pids = [...line.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
      return { localPort: ports[0] ?? -1, remotePort: ports[1] ?? -1, pids };
    });
}

/**
 * TCP connections between the processes `pids`, each counted once, at the end that dialled
 * it (its remote port is one the processes listen on). Run on loopback, so ports identify.
 */
export function connectionsAmong(pids: readonly number[]): number {
  const own = (s: Socket) => s.pids.some((pid) => pids.includes(pid));
  const listening = new Set(
    sockets('listening')
      .filter(own)
      .map((s) => s.localPort),
  );
  return sockets('established').filter((s) => own(s) && listening.has(s.remotePort)).length;
}
