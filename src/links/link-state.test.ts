// Faults stack per flow: shaping layers merge in order, cuts are counted, lifting one fault
// leaves what others set; partition sides and tier latencies are derived and validated.
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../support/errors.ts';
import { partitionSides } from './cluster-links.ts';
import { openLink, parseLatencyOptions, selectedLinks, tierLink } from './link-settings.ts';
import { flowEnds, flowKey, LinkState } from './link-state.ts';

describe('LinkState', () => {
  test('layers merge in the order applied; cuts stack; lifting one keeps the others', () => {
    const s = new LinkState();
    const ab = flowKey('a', 'b');
    expect(flowEnds(ab)).toEqual({ from: 'a', to: 'b' });
    s.shape('lat', new Map([[ab, { latencyMs: 100, jitterMs: 5 }]]));
    s.shape('cap', new Map([[ab, { latencyMs: 20, bytesPerSecond: 1000 }]]));
    expect(s.effective(ab)).toEqual({ ...openLink, latencyMs: 20, jitterMs: 5, bytesPerSecond: 1000 });
    s.cut('p1', [ab]);
    s.cut('p2', [ab, flowKey('b', 'a')]);
    expect(s.effective(ab).blackhole).toBe(true);
    expect(s.lift('p1')).toEqual([ab]);
    expect(s.effective(ab).blackhole).toBe(true);
    expect(s.lift('p2').sort()).toEqual([ab, flowKey('b', 'a')].sort());
    expect(s.effective(ab).blackhole).toBe(false);
    s.lift('cap');
    expect(s.effective(ab)).toEqual({ ...openLink, latencyMs: 100, jitterMs: 5 });
    s.forgetNode('b');
    expect(s.effective(ab)).toEqual(openLink);
    expect(s.has('lat')).toBe(true);
  });
});

describe('link settings', () => {
  test('partition sides: nodes named nowhere form one more side; bad groups are named', () => {
    expect(partitionSides([['a']], ['a', 'b', 'c'])).toEqual([['a'], ['b', 'c']]);
    expect(() => partitionSides([['a', 'b', 'c']], ['a', 'b', 'c'])).toThrow(/groups.*at least two sides/s);
    const error = (() => {
      try {
        partitionSides([['a', 'x'], ['a'], []], ['a', 'b']);
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(ConfigError.is(error)).toBe(true);
    expect(error!.issues.map((i) => i.path)).toEqual(['groups[0][1]', 'groups[1][0]', 'groups[2]']);
  });

  test('a link takes the farther tier of its two ends; tiers are validated', () => {
    const tiers = parseLatencyOptions(
      {
        tiers: [
          { nodes: ['a'], latencyMs: 10 },
          { name: 'far', nodes: ['c'], latencyMs: 300, jitterMs: 20 },
        ],
      },
      ['a', 'b', 'c'],
    );
    expect(tiers.map((t) => t.name)).toEqual(['tier-0', 'far']);
    expect(tierLink(tiers, 'a', 'c')).toEqual({ latencyMs: 300, jitterMs: 20 });
    expect(tierLink(tiers, 'a', 'b')).toEqual({ latencyMs: 10, jitterMs: 0 });
    expect(tierLink(tiers, 'b', 'b')).toEqual({ latencyMs: 0, jitterMs: 0 });
    expect(() => parseLatencyOptions({ tiers: [{ nodes: ['a'], latencyMs: -5 }] }, ['a'])).toThrow(
      /tiers\[0\]\.latencyMs.*-5/s,
    );
    expect(() =>
      parseLatencyOptions(
        {
          tiers: [
            { nodes: ['a'], latencyMs: 1 },
            { nodes: ['a'], latencyMs: 2 },
          ],
        },
        ['a'],
      ),
    ).toThrow(/tiers\[1\]\.nodes\[0\].*in one tier only/s);
  });

  test('selections name one direction or both, of known distinct nodes', () => {
    expect(selectedLinks({ from: 'a', to: 'b' }, ['a', 'b'])).toEqual([['a', 'b']]);
    expect(selectedLinks({ between: ['a', 'b'] }, ['a', 'b'])).toEqual([
      ['a', 'b'],
      ['b', 'a'],
    ]);
    expect(() => selectedLinks({ from: 'a', to: 'z' }, ['a', 'b'])).toThrow(/to.*z.*a node: a, b/s);
    expect(() => selectedLinks({ between: ['a', 'a'] }, ['a'])).toThrow(/two different nodes/);
  });
});
