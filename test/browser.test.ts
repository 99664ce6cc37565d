// The report tests skip with a printed reason where no Chromium is installed, but in CI a
// missing browser fails the run instead of hiding a broken report.
import { describe, expect, test } from 'vitest';
import { inCi, requireChromium } from './browser.ts';

const skipped = (note: string): never => {
  throw Object.assign(new Error(`skipped: ${note}`), { skipped: true });
};

describe('requireChromium', () => {
  test('no Chromium outside CI: the test is skipped, naming the path', () => {
    expect(() => requireChromium(skipped, {}, '/no/such/chromium')).toThrow(
      "skipped: no Chromium at /no/such/chromium (install Debian's chromium, or set CHAINLAB_CHROMIUM)",
    );
  });

  test('no Chromium in CI: the test fails', () => {
    expect(() => requireChromium(skipped, { CI: 'true' }, '/no/such/chromium')).toThrow(
      'the HTML report tests need Chromium in CI: no Chromium at /no/such/chromium',
    );
  });

  test('an installed browser (any executable) lets the test run', () => {
    expect(() => requireChromium(skipped, { CI: 'true' }, process.execPath)).not.toThrow();
  });

  test('CI is on for any value but empty, 0 and false', () => {
    expect([
      inCi({ CI: 'true' }),
      inCi({ CI: '1' }),
      inCi({}),
      inCi({ CI: 'false' }),
      inCi({ CI: '0' }),
    ]).toEqual([true, true, false, false, false]);
  });
});
