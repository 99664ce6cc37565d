/**
 * Registers chainlab's matchers with Jest's global `expect` and types them for
 * `@types/jest` (`import 'chainlab/jest'` does this for you).
 */

import { chainlabMatchers } from './matchers.ts';
import type { ChainlabMatchers } from './types.ts';

interface JestExpect {
  extend(matchers: Record<string, unknown>): void;
}

const jestExpect = (globalThis as { expect?: JestExpect }).expect;
if (!jestExpect || typeof jestExpect.extend !== 'function') {
  throw new Error(
    'chainlab/jest: no global `expect` with `extend`; import it from a Jest setup file (setupFilesAfterEach)',
  );
}
jestExpect.extend(chainlabMatchers);

declare global {
  // @types/jest declares its matchers in this global namespace, with these type parameters.
  namespace jest {
    // biome-ignore lint/complexity/noBannedTypes: must match @types/jest's declaration exactly.
    interface Matchers<R, T = {}> extends ChainlabMatchers<Promise<void>, T> {}
  }
}
