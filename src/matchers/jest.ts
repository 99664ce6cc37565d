/**
 * Registers chainlab's matchers with Jest's `expect` and types them for both ways of
 * writing Jest tests: `import { expect } from '@jest/globals'` (the `expect` package's
 * `Matchers`) and the globals of `@types/jest` (`jest.Matchers`). Both merge the one
 * runner-neutral {@link ChainlabMatchers} interface. `import 'chainlab/jest'` and the
 * chainlab preset's setup file do this.
 */
// Brings the `expect` package (installed with jest) into the program so the augmentation
// below finds it, in this repository and in a user's project alike.
/// <reference types="expect" preserve="true" />

import { chainlabMatchers } from './matchers.ts';
import type { ChainlabMatchers } from './types.ts';

interface JestExpect {
  extend(matchers: Record<string, unknown>): void;
}

const jestExpect = (globalThis as { expect?: JestExpect }).expect;
if (!jestExpect || typeof jestExpect.extend !== 'function') {
  throw new Error(
    'chainlab/jest: no global `expect` with `extend`; load it in a Jest test file or setup file ' +
      "(the chainlab preset does: preset: 'chainlab'), with injectGlobals left on",
  );
}
jestExpect.extend(chainlabMatchers);

declare module 'expect' {
  // `@jest/globals` types its `expect` with these; chainlab's matchers are always async.
  interface Matchers<R extends void | Promise<void>, T = unknown> extends ChainlabMatchers<Promise<void>> {}
}

declare global {
  // @types/jest declares its matchers in this global namespace, with these type parameters.
  namespace jest {
    // biome-ignore lint/complexity/noBannedTypes: must match @types/jest's declaration exactly.
    interface Matchers<R, T = {}> extends ChainlabMatchers<Promise<void>, T> {}
  }
}
