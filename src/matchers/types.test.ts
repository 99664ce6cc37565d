// The typings test files see: every chainlab matcher is async (Promise<void>), also under .not.
import { describe, expect, expectTypeOf, test } from 'vitest';
import type { StartedCluster } from '../cluster/types.ts';
import type { Recording } from '../observe/recording.ts';
import type { StartedApiFlood } from '../workloads/api-flood/api-flood.ts';
import type { StayLiveOptions } from './to-stay-live.ts';
import './vitest.ts';

describe('matcher typings (vitest)', () => {
  test('matchers return Promise<void> and take typed options', () => {
    const rec = {} as Recording;
    expectTypeOf(expect(rec).toStayLive).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(expect(rec).not.toConverge).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(expect(rec).toConserveSupply).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(expect(rec).toIncludeAll).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(expect(rec).toMakeAvailable).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(expect(rec).toStayLive).parameter(0).toEqualTypeOf<StayLiveOptions | undefined>();
    // @ts-expect-error: unknown options are a type error as well as a ConfigError.
    void (() => expect(rec).toStayLive({ forr: 1000 }));
  });

  test('the subject is checked: only a cluster (anything with a recording) or a Recording', () => {
    const cluster = {} as StartedCluster;
    expectTypeOf(expect(cluster).toConverge).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(expect(cluster).not.toKeepFinality).returns.toEqualTypeOf<Promise<void>>();
    // @ts-expect-error: a number is no cluster.
    void (() => expect(42).toStayLive());
    // @ts-expect-error: nor is a string, also under .not.
    void (() => expect('val-0').not.toConverge());
    // @ts-expect-error: an object without a recording neither.
    void (() => expect({ nodes: [] }).toConserveSupply());
  });

  test('tx sets are typed', () => {
    const rec = {} as Recording;
    // @ts-expect-error: a number is no tx set.
    void (() => expect(rec).toIncludeAll(3));
    // @ts-expect-error: reasons are canonical.
    void (() => expect(rec).toRejectWith('abc', 'nonce too low'));
    void (() => expect(rec).toIncludeAll(['a', { id: 'b' }]));
    void (() => expect(rec).toRejectWith('abc', 'bad_nonce'));
  });

  test('the API-flood matchers take typed options and a flood', () => {
    const cluster = {} as StartedCluster;
    const flood = {} as StartedApiFlood;
    expectTypeOf(expect(cluster).toStayResponsive).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(expect(cluster).toRateLimit).returns.toEqualTypeOf<Promise<void>>();
    void (() => expect(cluster).toRateLimit(flood));
    // @ts-expect-error: the bound is p99, not p95.
    void (() => expect(cluster).toStayResponsive({ p95: 100 }));
    // @ts-expect-error: a number is no flood.
    void (() => expect(cluster).toRateLimit(3));
    // @ts-expect-error: a number is no cluster.
    void (() => expect(42).toStayResponsive());
  });
});
