/**
 * Dynamic membership of a started cluster: `addNode` starts a node with a fresh identity (a
 * new key and an empty data dir, or a standby validator's key) that bootstraps from live
 * nodes and finds the rest by discovery; `removeNode` takes a node out for good (out of every
 * node's peers, stopped, its data deleted). Both go on the recording's timeline, and removing
 * validators is refused when the ones left could not finalize.
 */
import { z } from 'zod';
import type {
  ChainMembership,
  LaunchEndpoints,
  LaunchSpec,
  NodeRole,
  NodeSpec,
  PeerEndpoint,
} from '../../adapter/types.ts';
import type { DeployedNode, Deployer } from '../../deployers/deployer.ts';
import { type LinkedNode, linkTargetOf } from '../../links/cluster-links.ts';
import type { DirectoryEntry } from '../../links/peer-directory.ts';
import { linkedNode } from '../../links/start-links.ts';
import type { Recording } from '../../observe/recording.ts';
import { ConfigError, MembershipError } from '../../support/errors.ts';
import { parseOptions } from '../../support/validate.ts';
import type { ClusterNode } from '../started-node.ts';
import { bootstrapPeers } from './peers.ts';

/** Options of `cluster.addNode`. */
export interface AddNodeOptions {
  /** `executor`: a fresh key; `validator`: the next standby validator (`membership.standby`). */
  role: NodeRole;
  /** Name of a fresh executor. Default `exe-<n>`, the next unused number. Validators keep their standby name. */
  name?: string;
  /** Present nodes it dials at start (the rest it learns by discovery). Default: two present validators. */
  bootstrap?: string[];
  /** Deliberate faults it runs with (facet `bugs`), e.g. `['no-sync']`. Default none. */
  bugs?: string[];
}

/** Options of `cluster.removeNode`. */
export interface RemoveNodeOptions {
  /**
   * Remove a validator even when the validators left would hold too little stake to
   * finalize (the chain stalls). Default false: such a removal throws `MembershipError`.
   */
  allowBelowQuorum?: boolean;
}

const addSchema = z.strictObject({
  role: z.enum(['validator', 'executor']),
  name: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/)
    .optional(),
  bootstrap: z.array(z.string()).min(1).optional(),
  bugs: z.array(z.string().min(1)).optional(),
});
const addAllowed = {
  role: "'validator' or 'executor'",
  name: 'a string of 1..40 letters, digits, - or _ (executors only)',
  bootstrap: 'a non-empty list of present node names',
  bugs: "a list of the chain's deliberate faults (facet `bugs`)",
  '*': 'one of role, name, bootstrap, bugs',
};
const removeSchema = z.strictObject({ allowBelowQuorum: z.boolean().optional() });
const removeAllowed = { allowBelowQuorum: 'true or false', '*': 'allowBelowQuorum' };

/**
 * How membership tells nodes who is in the cluster: the link layer (`links: true`: a
 * joiner gets a link to and from every present node) or direct peers without it
 * (direct-peers.ts). Both keep a directory of the present nodes and give every started
 * node its new peers through the adapter's `updatePeers`.
 */
export interface MemberPeers {
  /** Adds a node (before it starts; launch it with `endpointsFor`) and tells the others. */
  join(node: DirectoryEntry & { linked?: LinkedNode }): Promise<void>;
  /** Removes a node and tells the others it is gone. */
  leave(name: string): Promise<void>;
  /** Where `name` dials each peer: those it dials at start, and every one it may reach. */
  endpointsFor(name: string): { peers: PeerEndpoint[]; reachable: PeerEndpoint[] };
}

/** What membership needs from its cluster. */
export interface MembershipInit {
  chain: ChainMembership;
  deployer: Deployer;
  peers: MemberPeers;
  launch: (node: NodeSpec, endpoints: LaunchEndpoints) => LaunchSpec;
  /** The cluster's node list (shared with the observer, which follows it). */
  nodes: ClusterNode[];
  makeNode: (role: NodeRole, deployed: DeployedNode) => ClusterNode;
  /** A joining node's starting clock offset, on clusters started with `clockSkew` (else undefined). */
  launchClock: (name: string) => { offsetMs: number } | undefined;
  recording: () => Recording;
  /** The deliberate faults the chain offers (facet `bugs`): `none` without the facet, `any` when the adapter lists none. */
  bugs: 'none' | 'any' | readonly string[];
  startTimeoutMs: number;
  log: (line: string) => void;
}

export class Membership {
  readonly #init: MembershipInit;
  /** Names ever used, so a fresh node never takes a departed node's name. */
  readonly #used = new Set<string>();
  /** One change at a time: each one tells every node its peers from the current members. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(init: MembershipInit) {
    this.#init = init;
    for (const n of init.nodes) this.#used.add(n.name);
    for (const name of init.chain.standby()) this.#used.add(name);
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => {});
    return next;
  }

  addNode(options: AddNodeOptions): Promise<ClusterNode> {
    const opts = parseOptions(addSchema, options, 'addNode options', addAllowed);
    return this.#serial(() => this.#add(opts));
  }

  removeNode(name: string, options: RemoveNodeOptions = {}): Promise<void> {
    const opts = parseOptions(removeSchema, options, 'removeNode options', removeAllowed);
    return this.#serial(() => this.#remove(name, opts.allowBelowQuorum ?? false));
  }

  #freshName(role: NodeRole, given: string | undefined): string {
    if (given !== undefined) {
      if (this.#used.has(given))
        throw new MembershipError(
          given,
          'add',
          'that name is taken (node names are never reused in a cluster)',
        );
      return given;
    }
    const prefix = role === 'validator' ? 'val' : 'exe';
    let i = 0;
    while (this.#used.has(`${prefix}-${i}`)) i++;
    return `${prefix}-${i}`;
  }

  async #add(opts: z.output<typeof addSchema>): Promise<ClusterNode> {
    const { chain, peers, deployer, nodes, log } = this.#init;
    if (opts.role === 'validator' && opts.name !== undefined)
      throw new MembershipError(opts.name, 'add', 'a validator joins under its standby name; give no name');
    this.#checkBugs(opts.bugs ?? []);
    for (const b of opts.bootstrap ?? [])
      if (!nodes.some((n) => n.name === b))
        throw new MembershipError(
          opts.name ?? opts.role,
          'add',
          `bootstrap peer ${b} is not in the cluster; present: ${nodes.map((n) => n.name).join(', ')}`,
        );
    const name =
      opts.role === 'executor' ? this.#freshName('executor', opts.name) : (chain.standby()[0] ?? '');
    if (name === '')
      throw new MembershipError(
        'validator',
        'add',
        'no standby validator is left: only keys staked at genesis can validate; start the cluster with more `membership.standby`',
      );
    this.#used.add(name);
    const spec = { ...(await chain.newNode({ role: opts.role, name })), bugs: opts.bugs ?? [] };
    const bootstrap = opts.bootstrap ?? bootstrapPeers(nodes);
    const rec = this.#init.recording();
    rec.mark('membership', `join(${spec.name})`);
    rec.nodeEvent(spec.name, 'joining', `${spec.role}, bootstrap ${bootstrap.join(',')}`);
    log(`${spec.name} joins as ${spec.role} (fresh data dir, bootstrap ${bootstrap.join(', ')})`);
    let joined: ClusterNode | undefined;
    let inDirectory = false;
    let deployed: DeployedNode;
    try {
      const [allocation] = await deployer.allocate([{ name: spec.name, role: spec.role }]);
      const a = allocation!;
      await peers.join({
        name: spec.name,
        target: linkTargetOf(a),
        dials: bootstrap,
        linked: linkedNode(spec, a, () => joined && { cluster: joined, deployed: joined.deployed }),
      });
      inDirectory = true;
      const endpoints: LaunchEndpoints = {
        bindHost: a.bindHost,
        host: a.host,
        apiPort: a.apiPort,
        p2pPort: a.p2pPort,
        dataDir: a.dataDir,
        chainDir: a.chainDir,
        ...peers.endpointsFor(spec.name),
      };
      const clock = this.#init.launchClock(spec.name);
      deployed = await deployer.start(
        {
          name: spec.name,
          role: spec.role,
          allocation: a,
          launch: this.#init.launch(spec, endpoints),
          ...(clock === undefined ? {} : { clock }),
        },
        { timeoutMs: this.#init.startTimeoutMs },
      );
    } catch (error) {
      // Nobody keeps a node that never came up among its peers, and its key may join again.
      if (inDirectory) await peers.leave(spec.name).catch(() => {});
      chain.release(spec);
      rec.nodeEvent(spec.name, 'join-failed', (error as Error).message);
      throw new MembershipError(spec.name, 'add', (error as Error).message, { cause: error });
    }
    const node = this.#init.makeNode(spec.role, deployed);
    joined = node;
    nodes.push(node);
    rec.addNode(spec.name, spec.role);
    rec.nodeEvent(spec.name, 'joined');
    // A skewed clock is recorded and proven like the first nodes' (a no-op without clockSkew).
    await node.beginClock();
    return node;
  }

  #checkBugs(bugs: readonly string[]): void {
    const known = this.#init.bugs;
    for (const bug of bugs)
      if (known === 'none' || (known !== 'any' && !known.includes(bug)))
        throw new ConfigError('addNode options', [
          {
            path: 'bugs',
            value: bug,
            allowed:
              known === 'none' ? 'nothing: the chain has no `bugs` facet' : `one of ${known.join(', ')}`,
          },
        ]);
  }

  async #remove(name: string, allowBelowQuorum: boolean): Promise<void> {
    const { chain, peers, deployer, nodes, log } = this.#init;
    const node = nodes.find((n) => n.name === name);
    if (!node)
      throw new MembershipError(
        name,
        'remove',
        `no such node in the cluster; present: ${nodes.map((n) => n.name).join(', ')}`,
      );
    if (node.role === 'validator') {
      const stakeOf = (n: string): bigint => chain.stake.get(n) ?? 0n;
      const remaining = nodes
        .filter((n) => n.role === 'validator' && n.name !== name)
        .reduce((sum, n) => sum + stakeOf(n.name), 0n);
      if (!chain.finalizes(remaining) && !allowBelowQuorum)
        throw new MembershipError(
          name,
          'remove',
          `the validators left would hold ${remaining} stake; ${chain.quorumRule}, so the chain would stop finalizing. ` +
            'Pass { allowBelowQuorum: true } to remove it knowingly.',
          { belowQuorum: true, remainingStake: remaining },
        );
    }
    if (!deployer.remove)
      throw new MembershipError(name, 'remove', `the ${deployer.name} deployer cannot remove nodes`);
    const rec = this.#init.recording();
    rec.mark('membership', `leave(${name})`);
    log(`${name} leaves for good`);
    // Out of every node's peers first, so no node keeps dialling it once it is gone.
    await peers.leave(name);
    nodes.splice(nodes.indexOf(node), 1);
    rec.removeNode(name);
    await node.close();
    try {
      await deployer.remove(node.deployed);
    } catch (error) {
      throw new MembershipError(name, 'remove', (error as Error).message, { cause: error });
    }
  }
}
