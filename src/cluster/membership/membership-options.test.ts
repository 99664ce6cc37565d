import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../support/errors.ts';
import { resolveClusterOptions } from '../options.ts';
import { bookOf, bootstrapPeers, type Member } from './peers.ts';

function issuesOf(fn: () => unknown): ConfigError['issues'] {
  try {
    fn();
  } catch (error) {
    if (ConfigError.is(error)) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('membership option', () => {
  test('standby validators go to the topology; off by default', () => {
    expect(resolveClusterOptions({}, {}).membership).toBeUndefined();
    const r = resolveClusterOptions({ validators: 3, membership: { standby: 2 } }, {});
    expect(r.membership).toEqual({ standby: 2 });
    expect(r.topology.standby).toBe(2);
    // Standby validators do not start with the cluster.
    expect(r.topology.nodes.map((n) => n.name)).toEqual(['val-0', 'val-1', 'val-2']);
  });

  test('standby must stay a minority, and only the local deployer can add nodes', () => {
    expect(issuesOf(() => resolveClusterOptions({ validators: 2, membership: { standby: 2 } }, {}))).toEqual([
      {
        path: 'membership.standby',
        value: 2,
        allowed: '0..1: fewer than validators (2), whose stake must finalize while the standby ones are away',
      },
    ]);
    expect(
      issuesOf(() => resolveClusterOptions({ membership: {}, deployer: 'docker' }, {})).map((i) => i.path),
    ).toEqual(['membership']);
    expect(
      issuesOf(() => resolveClusterOptions({ membership: { standby: 1, spare: 2 } as never }, {})),
    ).toEqual([{ path: 'membership.spare', value: 2, allowed: 'standby' }]);
  });

  test('membership refuses links and clock skew, which nodes that join would not get', () => {
    expect(
      issuesOf(() => resolveClusterOptions({ membership: {}, links: true, clockSkew: {} }, {})).map(
        (i) => i.allowed,
      ),
    ).toEqual([
      'nothing together with links: true (nodes that join get no links yet)',
      'nothing together with clockSkew (nodes that join would start without a skewable clock)',
    ]);
  });
});

describe('address books', () => {
  const m = (name: string, role: Member['role'], bootstrap: string[] = []): Member => ({
    name,
    role,
    host: '127.0.0.1',
    p2pPort: 4000 + name.length,
    bootstrap,
  });

  test('a book lists every other member, dialled at start only when it is a bootstrap peer', () => {
    const members = [
      m('val-0', 'validator', ['val-1']),
      m('val-1', 'validator', ['val-0']),
      m('exe-0', 'executor'),
    ];
    expect(bookOf(members[0]!, members).map((e) => `${e.name}:${e.bootstrap}`)).toEqual([
      'val-1:true',
      'exe-0:false',
    ]);
    expect(bookOf(members[2]!, members).every((e) => !e.bootstrap)).toBe(true);
  });

  test('a joining node bootstraps from validators first', () => {
    const members = [m('exe-0', 'executor'), m('val-3', 'validator'), m('val-1', 'validator')];
    expect(bootstrapPeers(members)).toEqual(['val-3', 'val-1']);
    expect(bootstrapPeers([m('exe-0', 'executor')])).toEqual(['exe-0']);
  });
});
