/**
 * Registers chainlab's matchers with vitest's `expect` and types them
 * (`import 'chainlab/vitest'` does this for you).
 */

import { expect } from 'vitest';
import { chainlabMatchers } from './matchers.ts';
import type { ChainlabMatchers } from './types.ts';

expect.extend(chainlabMatchers);

declare module 'vitest' {
  // Merged into vitest's Assertion; chainlab's matchers are always async and exist only for a judgeable subject (T).
  interface Matchers<R, T> extends ChainlabMatchers<Promise<void>, T> {}
}
