/**
 * The address books of a cluster with dynamic membership: one file per node, rewritten for
 * every present node whenever a node joins or leaves (the node re-reads it while running).
 */
import { join } from 'node:path';
import type { ChainMembership } from '../../adapter/types.ts';
import { bookOf, type Member } from './peers.ts';

export class AddressBooks {
  readonly #members = new Map<string, Member & { nodeDir: string }>();
  readonly #chain: ChainMembership;
  readonly #hostDir: string;
  /** Serialises rewrites so an older book never lands after a newer one. */
  #writing: Promise<unknown> = Promise.resolve();

  /** `hostDir`: where the books are written (the cluster's chain dir on this machine). */
  constructor(chain: ChainMembership, hostDir: string) {
    this.#chain = chain;
    this.#hostDir = hostDir;
  }

  /** Present members, in the order they joined. */
  members(): Member[] {
    return [...this.#members.values()];
  }

  has(name: string): boolean {
    return this.#members.has(name);
  }

  /** The book file as the node sees it (`nodeDir`: the chain dir in the node's view). */
  nodeFile(name: string): string {
    const m = this.#members.get(name);
    if (!m) throw new Error(`no member named ${name}`);
    return join(m.nodeDir, `peers-${name}.json`);
  }

  set(member: Member, nodeDir: string): void {
    this.#members.set(member.name, { ...member, nodeDir });
  }

  delete(name: string): void {
    this.#members.delete(name);
  }

  /** Writes every present member's book. */
  writeAll(): Promise<void> {
    const members = this.members();
    const next = this.#writing.then(() =>
      Promise.all(
        members.map((m) =>
          this.#chain.writeBook(join(this.#hostDir, `peers-${m.name}.json`), bookOf(m, members)),
        ),
      ),
    );
    this.#writing = next.catch(() => {});
    return next.then(() => {});
  }
}
