import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../support/errors.ts';
import { resolveClusterOptions } from '../options.ts';
import { bootstrapPeers } from './peers.ts';

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

  test('standby must stay a minority, and only the local and docker deployers can add nodes', () => {
    expect(issuesOf(() => resolveClusterOptions({ validators: 2, membership: { standby: 2 } }, {}))).toEqual([
      {
        path: 'membership.standby',
        value: 2,
        allowed: '0..1: fewer than validators (2), whose stake must finalize while the standby ones are away',
      },
    ]);
    expect(
      issuesOf(() => resolveClusterOptions({ membership: {}, deployer: 'k8s' }, {})).map((i) => i.path),
    ).toEqual(['membership']);
    expect(resolveClusterOptions({ membership: {}, deployer: 'docker' }, {}).membership).toEqual({
      standby: 0,
    });
    expect(
      issuesOf(() => resolveClusterOptions({ membership: { standby: 1, spare: 2 } as never }, {})),
    ).toEqual([{ path: 'membership.spare', value: 2, allowed: 'standby' }]);
  });

  test('membership goes with links and clock skew; clockSkew may name the nodes that join', () => {
    const r = resolveClusterOptions(
      {
        validators: 3,
        executors: 1,
        membership: { standby: 1 },
        links: true,
        clockSkew: { offsets: { 'val-1': '+1s', 'val-3': '-1s', 'exe-2': 250 } },
      },
      {},
    );
    expect(r.links).toBe(true);
    expect([...r.clockSkew!].map(([n, s]) => `${n} ${s.offsetMs}`)).toEqual([
      'val-0 0',
      'val-1 1000',
      'val-2 0',
      'exe-0 0',
      'val-3 -1000',
      'exe-2 250',
    ]);
    // Only names a joiner can take: a standby validator, or a fresh executor's default name.
    expect(
      issuesOf(() =>
        resolveClusterOptions(
          {
            validators: 3,
            executors: 1,
            membership: { standby: 1 },
            clockSkew: { offsets: { 'val-4': '+1s', 'exe-0': '+1s' }, jitter: { 'exe-x': 10 } },
          },
          {},
        ),
      ),
    ).toEqual([
      {
        path: 'clockSkew.offsets.val-4',
        value: '+1s',
        allowed:
          'a node of this cluster: val-0, val-1, val-2, exe-0, or one that joins: val-3 (standby), exe-<n> for n ≥ 1',
      },
      {
        path: 'clockSkew.jitter.exe-x',
        value: 10,
        allowed:
          'a node of this cluster: val-0, val-1, val-2, exe-0, or one that joins: val-3 (standby), exe-<n> for n ≥ 1',
      },
    ]);
    // Without membership no node joins, so only the cluster's own nodes may be named.
    expect(
      issuesOf(() => resolveClusterOptions({ validators: 1, clockSkew: { offsets: { 'exe-0': 1 } } }, {})),
    ).toEqual([{ path: 'clockSkew.offsets.exe-0', value: 1, allowed: 'a node of this cluster: val-0' }]);
  });
});

describe('bootstrap peers', () => {
  test('a joining node bootstraps from validators first', () => {
    const members = [
      { name: 'exe-0', role: 'executor' as const },
      { name: 'val-3', role: 'validator' as const },
      { name: 'val-1', role: 'validator' as const },
    ];
    expect(bootstrapPeers(members)).toEqual(['val-3', 'val-1']);
    expect(bootstrapPeers([members[0]!])).toEqual(['exe-0']);
  });
});
