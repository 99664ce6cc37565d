/**
 * Whom a joining node dials first. Where it dials them (a peer's own listener, or the link
 * proxy's port for the link) is the peer directory's (`MemberPeers.endpointsFor`).
 */
import type { NodeRole } from '../../adapter/types.ts';

/**
 * The peers a joining node bootstraps from: up to `count` present members, validators
 * first (they are the ones that carry the chain), in the order they joined.
 *
 * @example
 * bootstrapPeers(members, 2) // ['val-0', 'val-1']
 */
export function bootstrapPeers(members: readonly { name: string; role: NodeRole }[], count = 2): string[] {
  const ordered = [
    ...members.filter((m) => m.role === 'validator'),
    ...members.filter((m) => m.role !== 'validator'),
  ];
  return ordered.slice(0, count).map((m) => m.name);
}
