/**
 * Dynamic membership on refnode: fresh executors through `refnode node-config` (a new key,
 * an empty data dir), validators that join later through `genesis --standby` keys, the
 * stake-majority rule, and address books (`--peers-file`, re-read every 500 ms).
 */
import { execFile } from 'node:child_process';
import { rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { AdapterError } from '../../support/errors.ts';
import type { BookEntry, ChainMembership, NodeRole, NodeSpec } from '../types.ts';
import { type RefnodeGenesis, toAmount } from './files.ts';

/** What the refnode membership needs from its prepared chain. */
export interface RefnodeMembershipInit {
  nodeBinary: string;
  entry: string;
  cwd: string;
  /** The chain dir (genesis.json, node configs, books). */
  dir: string;
  genesis: RefnodeGenesis;
  seed: number;
  /** Peer id by node name; new nodes are added so launches and books can name them. */
  peerIds: Map<string, string>;
}

/** A TCP multiaddr without the peer id (the book entry carries it). */
function tcpAddr(host: string, port: number): string {
  const family = isIP(host) === 6 ? 'ip6' : isIP(host) === 4 ? 'ip4' : 'dns4';
  return `/${family}/${host}/tcp/${port}`;
}

function nodeConfig(init: RefnodeMembershipInit, name: string, out: string): Promise<string> {
  const args = [
    init.entry,
    'node-config',
    '--genesis',
    join(init.dir, 'genesis.json'),
    '--node-id',
    name,
    '--out',
    out,
    '--seed',
    String(init.seed),
  ];
  return new Promise((resolve, reject) => {
    execFile(init.nodeBinary, args, { cwd: init.cwd, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) {
        reject(
          new AdapterError(
            'refnode',
            `node-config for ${name} failed: ${String(stderr).trim() || error.message}`,
            {
              cause: error,
            },
          ),
        );
        return;
      }
      try {
        const line = JSON.parse(String(stdout).trim().split('\n').at(-1) ?? '') as { peerId?: unknown };
        if (typeof line.peerId !== 'string') throw new Error('no peerId');
        resolve(line.peerId);
      } catch (e) {
        reject(
          new AdapterError('refnode', `node-config for ${name} printed no peer id: ${String(stdout)}`, {
            cause: e,
          }),
        );
      }
    });
  });
}

/**
 * refnode's {@link ChainMembership}: every validator holds its genesis stake whether it runs
 * or not, so the running ones must hold more than half of the total (refnode/README.md,
 * Dynamic membership).
 */
export function refnodeMembership(init: RefnodeMembershipInit): ChainMembership {
  const g = init.genesis;
  const stake = new Map(g.validators.map((v) => [v.nodeId, toAmount(v.stake)]));
  const total = [...stake.values()].reduce((a, b) => a + b, 0n);
  const active = g.validators.filter((v) => v.standby !== true).length;
  // Genesis writes configs for validators, then executors, then standby validators.
  const standbyIndex = new Map(
    g.validators.filter((v) => v.standby === true).map((v, j) => [v.nodeId, active + g.executors.length + j]),
  );
  const waiting = [...standbyIndex.keys()];
  let nextIndex = g.validators.length + g.executors.length;
  const needed = total / 2n + 1n;

  return {
    standby: () => [...waiting],
    stake,
    quorumRule: `running validators must hold more than half of the stake (at least ${needed} of ${total})`,
    finalizes: (running) => running * 2n > total,

    async newNode(req: { role: NodeRole; name: string }): Promise<NodeSpec> {
      if (req.role === 'validator') {
        const name = waiting.shift();
        if (name === undefined) {
          throw new AdapterError(
            'refnode',
            'no standby validator left to join: a fresh refnode key has no stake; start the cluster with more `membership.standby` validators',
          );
        }
        return { name, role: 'validator', index: standbyIndex.get(name)!, bugs: [] };
      }
      const index = nextIndex++;
      const peerId = await nodeConfig(init, req.name, join(init.dir, `node-${index}.json`));
      init.peerIds.set(req.name, peerId);
      return { name: req.name, role: 'executor', index, bugs: [] };
    },

    async writeBook(file: string, entries: readonly BookEntry[]): Promise<void> {
      const peers = entries.map((e) => {
        const peerId = init.peerIds.get(e.name);
        if (peerId === undefined) throw new AdapterError('refnode', `no peer id known for ${e.name}`);
        return { peerId, addrs: [tcpAddr(e.host, e.p2pPort)], bootstrap: e.bootstrap, name: e.name };
      });
      // refnode re-reads the book every 500 ms: a rename never shows it half written.
      const tmp = `${file}.tmp`;
      await writeFile(tmp, `${JSON.stringify({ peers }, null, 2)}\n`);
      await rename(tmp, file);
    },
  };
}
