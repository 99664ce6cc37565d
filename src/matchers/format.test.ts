// The replay line every matcher failure ends with names the runner the test runs under.
import { describe, expect, it } from 'vitest';
import { replayHint } from './format.ts';

describe('replayHint', () => {
  it('gives the Vitest command outside Jest', () => {
    expect(replayHint(913, {})).toBe('replay: CHAINLAB_SEED=913 npx vitest run <this file>');
    expect(replayHint(913)).toBe('replay: CHAINLAB_SEED=913 npx vitest run <this file>');
  });

  it('gives the Jest command (ESM mode) in a Jest worker', () => {
    expect(replayHint(913, { JEST_WORKER_ID: '1' })).toBe(
      'replay: CHAINLAB_SEED=913 NODE_OPTIONS=--experimental-vm-modules npx jest <this file>',
    );
  });
});
