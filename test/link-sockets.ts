/**
 * Who holds connections to the nodes' p2p ports, read from /proc: on a cluster started with
 * `links: true` only the link proxy may (its dials to its targets); a node process holding
 * one is a path around the links.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import type { StartedCluster } from '../src/cluster/types.ts';
import { processesOfRun } from './helpers.ts';

/** Established TCP connections: local port, remote port, socket inode (/proc/net/tcp*). */
async function established(): Promise<{ local: number; remote: number; inode: string }[]> {
  const out: { local: number; remote: number; inode: string }[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '01') continue;
      out.push({
        local: Number.parseInt(f[1]!.split(':').pop()!, 16),
        remote: Number.parseInt(f[2]!.split(':').pop()!, 16),
        inode: f[9]!,
      });
    }
  }
  return out;
}

/** Socket inodes a process holds. */
async function socketsOf(pid: number): Promise<Set<string>> {
  const out = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) out.add(m[1]!);
  }
  return out;
}

/**
 * Connections to a node's p2p port, by who holds them: node processes (`bypass`: each would
 * be a path around the links) and the link proxy (`proxied`: its dials to its targets, the
 * only allowed ones; counting them shows the check sees sockets at all).
 */
export async function p2pSockets(cluster: StartedCluster): Promise<{ bypass: string[]; proxied: number }> {
  const links = await cluster.links.status();
  const p2pPorts = new Map(links.map((l) => [l.target.port, l.to]));
  const conns = await established();
  const out = { bypass: [] as string[], proxied: 0 };
  for (const pid of await processesOfRun(cluster.runId)) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const isProxy = cmd.includes('links/proxy/main');
    if (!isProxy && !cmd.includes('refnode')) continue;
    const mine = await socketsOf(pid);
    for (const c of conns) {
      if (!mine.has(c.inode) || !p2pPorts.has(c.remote)) continue;
      if (isProxy) out.proxied++;
      else out.bypass.push(`pid ${pid} → ${p2pPorts.get(c.remote)}`);
    }
  }
  return out;
}

export async function bypasses(cluster: StartedCluster): Promise<string[]> {
  return (await p2pSockets(cluster)).bypass;
}
