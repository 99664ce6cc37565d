import { describe, expect, test } from 'vitest';
import { defaultAdapter } from '../adapter/default-adapter.ts';
import type { FacetName } from '../adapter/types.ts';
import { ConfigError } from '../support/errors.ts';
import { Cluster } from './cluster.ts';
import { resolveClusterOptions } from './options.ts';
import { executors, star, validators } from './topology.ts';

function issuesOf(fn: () => unknown): ConfigError['issues'] {
  try {
    fn();
  } catch (error) {
    if (ConfigError.is(error)) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('cluster options', () => {
  test("defaults: 3 validators, mesh, 20 wallets, the chain's own parameters, local deployer", () => {
    const r = resolveClusterOptions({}, {});
    expect(r.topology).toMatchObject({
      validators: 3,
      executors: 0,
      shape: 'mesh',
      wallets: 20,
      // Left to the adapter (refnode: 200 ms slots, f 0.5, k 6).
      slotMs: undefined,
      activeSlotCoeff: undefined,
      securityParam: undefined,
    });
    expect(r.adapter.name).toBe('refnode');
    expect(r.deployer).toBe('local');
    expect(r.topology.dials['val-0']).toEqual(['val-1', 'val-2']);
  });

  test('parts compose; star makes every node dial the first validator', () => {
    const c = Cluster.of(validators(2), executors(2), star());
    expect(c.resolved.topology.nodes.map((n) => n.name)).toEqual(['val-0', 'val-1', 'exe-0', 'exe-1']);
    expect(c.resolved.topology.dials).toEqual({
      'val-0': [],
      'val-1': ['val-0'],
      'exe-0': ['val-0'],
      'exe-1': ['val-0'],
    });
    // with() returns a new definition and leaves the shared one alone.
    const bigger = c.withValidators(4);
    expect(bigger.resolved.topology.validators).toBe(4);
    expect(c.resolved.topology.validators).toBe(2);
  });

  test('every bad option is reported at once, naming the value and what is allowed', () => {
    const issues = issuesOf(
      () =>
        new Cluster({
          validators: 0,
          executors: -1,
          shape: 'ring' as never,
          slotMs: 10,
          activeSlotCoeff: 1.5,
          bugs: { 'val-9': ['no-sync'] },
          colour: 'red',
        } as never),
    );
    expect(issues).toEqual([
      { path: 'validators', value: 0, allowed: 'an integer 1..16' },
      { path: 'executors', value: -1, allowed: 'an integer 0..16' },
      { path: 'shape', value: 'ring', allowed: "'mesh' or 'star'" },
      { path: 'activeSlotCoeff', value: 1.5, allowed: 'a number with 0 < f ≤ 1' },
      expect.objectContaining({ path: 'colour', value: 'red' }),
      // The chain's own range, from the adapter, in the same error.
      { path: 'slotMs', value: 10, allowed: 'an integer 50..2000 (ms; refnode slots)' },
    ]);
  });

  test('options a chain has no facet for are refused up front, naming the facet', () => {
    const bare = { ...defaultAdapter(), name: 'bare', facets: new Set<FacetName>() };
    expect(
      issuesOf(
        () =>
          new Cluster({
            adapter: bare,
            bugs: { 'val-0': ['no-sync'] },
            mempool: { maxCount: 10 },
            slotMs: 100,
            deployer: 'docker',
          }),
      ),
    ).toEqual([
      {
        path: 'bugs',
        value: { 'val-0': ['no-sync'] },
        allowed: 'nothing: the bare adapter has no `bugs` facet',
      },
      {
        path: 'mempool',
        value: { maxCount: 10 },
        allowed: 'nothing: the bare adapter has no `mempool` facet',
      },
      { path: 'slotMs', value: 100, allowed: 'nothing: the bare adapter has no `slots` facet' },
      { path: 'deployer', value: 'docker', allowed: 'nothing: the bare adapter has no `containers` facet' },
    ]);
  });

  test('bugs must name nodes of the cluster', () => {
    expect(issuesOf(() => new Cluster({ validators: 2, bugs: { 'val-5': ['no-sync'] } }))).toEqual([
      { path: 'bugs.val-5', value: ['no-sync'], allowed: 'a node of this cluster: val-0, val-1' },
    ]);
  });

  test('the environment picks the deployer and is validated too', () => {
    expect(resolveClusterOptions({}, { CHAINLAB_DEPLOYER: 'docker' }).deployer).toBe('docker');
    expect(
      resolveClusterOptions(
        {},
        { CHAINLAB_DEPLOYER: 'attach', CHAINLAB_ATTACH_URLS: 'http://127.0.0.1:1,http://127.0.0.1:2' },
      ).attach,
    ).toEqual({ urls: ['http://127.0.0.1:1', 'http://127.0.0.1:2'], chainDir: undefined });
    expect(issuesOf(() => resolveClusterOptions({}, { CHAINLAB_DEPLOYER: 'swarm' }))).toEqual([
      { path: 'CHAINLAB_DEPLOYER', value: 'swarm', allowed: "'local', 'docker', 'k8s' or 'attach'" },
    ]);
    expect(issuesOf(() => resolveClusterOptions({ deployer: 'attach' }, {}))[0]?.path).toBe('attach.urls');
    // An explicit option wins over the environment.
    expect(resolveClusterOptions({ deployer: 'local' }, { CHAINLAB_DEPLOYER: 'docker' }).deployer).toBe(
      'local',
    );
  });
});
