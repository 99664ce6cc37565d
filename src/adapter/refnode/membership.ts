/**
 * Dynamic membership on refnode: fresh executors through `refnode node-config` (a new key,
 * an empty data dir), validators that join later through `genesis --standby` keys, and the
 * stake-majority rule. Who a node knows is its address book (address-book.ts), which the
 * cluster rewrites through `updatePeers` as nodes join and leave.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { AdapterError } from '../../support/errors.ts';
import type { ChainMembership, NodeRole, NodeSpec } from '../types.ts';
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

    release(node: NodeSpec): void {
      // A standby key whose join failed is the next one to join again.
      if (node.role === 'validator' && standbyIndex.has(node.name) && !waiting.includes(node.name))
        waiting.unshift(node.name);
    },
  };
}
