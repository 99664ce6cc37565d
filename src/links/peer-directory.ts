/**
 * The cluster's view of who may reach whom: every node with the address its p2p listener
 * has as the link proxy reaches it, and the peers it dials at start. The link layer maps it
 * to one link per ordered pair of nodes (A dials B through link A>B).
 *
 * Nodes may be added and removed at run time: dynamic membership adds a joining node here
 * (through `ClusterLinks.join`), which gets it links to and from every other node.
 */
import { ChainlabError } from '../support/errors.ts';

/** One node of the directory. */
export interface DirectoryEntry {
  name: string;
  /** Where its p2p listener is, as the link proxy reaches it. */
  target: { host: string; port: number };
  /** The nodes it dials at start (the rest it may learn of and reach too). */
  dials: readonly string[];
}

/** A directed link: `from` dials `to` through it. */
export interface DirectedLink {
  from: string;
  to: string;
}

export class PeerDirectory {
  readonly #entries = new Map<string, DirectoryEntry>();

  constructor(entries: readonly DirectoryEntry[] = []) {
    for (const e of entries) this.add(e);
  }

  /** Adds a node; a node of that name must not be there. */
  add(entry: DirectoryEntry): void {
    if (this.#entries.has(entry.name))
      throw new ChainlabError(`peer directory: ${entry.name} is already in the cluster`);
    this.#entries.set(entry.name, { ...entry, dials: [...entry.dials] });
  }

  /** Removes a node (others' `dials` lists drop it too). */
  remove(name: string): void {
    if (!this.#entries.delete(name)) throw new ChainlabError(`peer directory: no node ${name}`);
    for (const e of this.#entries.values()) e.dials = e.dials.filter((d) => d !== name);
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  /** Node names, in the order they were added. */
  names(): string[] {
    return [...this.#entries.keys()];
  }

  entry(name: string): DirectoryEntry {
    const e = this.#entries.get(name);
    if (!e) throw new ChainlabError(`peer directory: no node ${name}`);
    return e;
  }

  /** Every directed link between the nodes (n · (n − 1) of them). */
  links(): DirectedLink[] {
    const names = this.names();
    return names.flatMap((from) => names.filter((to) => to !== from).map((to) => ({ from, to })));
  }

  /** The links to and from `name`. */
  linksOf(name: string): DirectedLink[] {
    return this.links().filter((l) => l.from === name || l.to === name);
  }

  /** Whom `name` dials at start, and every node it may reach. */
  peersOf(name: string): { dials: string[]; reachable: string[] } {
    const e = this.entry(name);
    return {
      dials: e.dials.filter((d) => this.#entries.has(d)),
      reachable: this.names().filter((n) => n !== name),
    };
  }
}
