// The typings test files see: every chainlab matcher is async (Promise<void>), also under .not.
import { describe, expect, expectTypeOf, test } from 'vitest';
import type { Recording } from '../observe/recording.ts';
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
});
