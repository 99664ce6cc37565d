/**
 * Who holds connections to the nodes' p2p ports, read from /proc: on a cluster started with
 * `links: true` only the link proxy may (its dials to its targets); a node process holding
 * one is a path around the links.
 */
import { readFile } from 'node:fs/promises';
import { type ProcessSocket, processSockets } from '../refnode/test/net-probe.ts';
import type { StartedCluster } from '../src/cluster/types.ts';
import { processesOfRun } from './helpers.ts';

/** The TCP sockets a process holds; none once it has exited. */
function socketsOf(pid: number): ProcessSocket[] {
  try {
    return processSockets(pid);
  } catch {
    return [];
  }
}

/**
 * Connections to a node's p2p port, by who holds them: node processes (`bypass`: each would
 * be a path around the links) and the link proxy (`proxied`: its dials to its targets, the
 * only allowed ones; counting them shows the check sees sockets at all).
 */
export async function p2pSockets(cluster: StartedCluster): Promise<{ bypass: string[]; proxied: number }> {
  const links = await cluster.links.status();
  const p2pPorts = new Map(links.map((l) => [l.target.port, l.to]));
  const out = { bypass: [] as string[], proxied: 0 };
  for (const pid of await processesOfRun(cluster.runId)) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const isProxy = cmd.includes('links/proxy/main');
    if (!isProxy && !cmd.includes('refnode')) continue;
    for (const socket of socketsOf(pid)) {
      // 01: established (a listening socket's remote port is 0).
      if (socket.state !== '01' || !p2pPorts.has(socket.remotePort)) continue;
      if (isProxy) out.proxied++;
      else out.bypass.push(`pid ${pid} → ${p2pPorts.get(socket.remotePort)}`);
    }
  }
  return out;
}

export async function bypasses(cluster: StartedCluster): Promise<string[]> {
  return (await p2pSockets(cluster)).bypass;
}
