// The setup file the chainlab Vitest plugin adds to every test file (imports only): the
// matchers, and the timeout hint.
import './matchers/vitest.ts';
import './fixtures/vitest-timeout-hint.ts';
