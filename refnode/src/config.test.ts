import { describe, expect, it } from 'vitest';
import { resolveNodeConfig } from './config.ts';
import { ConfigError } from './errors.ts';

const base = { nodeId: 'val-0', secretKey: 'ab'.repeat(32) };

describe('admission config', () => {
  it('defaults: verify wait from the slot (undefined here), 500 ms loop lag, 4000 pending txs', () => {
    const { admission } = resolveNodeConfig(base, '/tmp');
    expect(admission).toEqual({
      verifyWorkers: 1,
      maxVerifyWaitMs: undefined,
      maxLoopLagMs: 500,
      maxPendingTxs: 4000,
    });
  });

  it('takes an explicit maxPendingTxs', () => {
    const { admission } = resolveNodeConfig({ ...base, admission: { maxPendingTxs: 10 } }, '/tmp');
    expect(admission.maxPendingTxs).toBe(10);
  });

  it.each([0, 1.5, '4000', -1, 20_000_000])(
    'refuses maxPendingTxs %j, naming the field and the range',
    (value) => {
      let error: unknown;
      try {
        resolveNodeConfig({ ...base, admission: { maxPendingTxs: value } }, '/tmp', {}, 'node.json');
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toBe(
        `node.json: admission.maxPendingTxs must be an integer in 1..10000000, got ${JSON.stringify(value)}`,
      );
      expect((error as ConfigError).fields).toEqual(['admission.maxPendingTxs']);
    },
  );
});
