import { afterEach, describe, expect, it } from 'vitest';
import { AdapterError } from '../../support/errors.ts';
import { litecoindBinary } from './binary.ts';

describe('litecoind binary', () => {
  const saved = process.env.CHAINLAB_LITECOIND;
  afterEach(() => {
    if (saved === undefined) delete process.env.CHAINLAB_LITECOIND;
    else process.env.CHAINLAB_LITECOIND = saved;
  });

  it("finds Debian's daemon, not its shell wrapper", () => {
    delete process.env.CHAINLAB_LITECOIND;
    expect(litecoindBinary()).toBe('/usr/lib/litecoin/litecoind');
  });

  it('takes CHAINLAB_LITECOIND, and refuses what is not an executable program', () => {
    process.env.CHAINLAB_LITECOIND = '/usr/bin/litecoind';
    const error = (() => {
      try {
        return litecoindBinary();
      } catch (e) {
        return e;
      }
    })();
    expect(AdapterError.is(error)).toBe(true);
    expect((error as Error).message).toContain(
      'no litecoind daemon (an ELF executable) at /usr/bin/litecoind',
    );
    process.env.CHAINLAB_LITECOIND = '/usr/lib/litecoin/litecoind';
    expect(litecoindBinary()).toBe('/usr/lib/litecoin/litecoind');
  });
});
