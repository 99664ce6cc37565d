// The README's example is a real test file: this keeps the two from drifting apart.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';

const root = resolve(import.meta.dirname, '..');

test('the README example is examples/quickstart.test.ts, verbatim', () => {
  const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
  const block = /<!-- example:start -->\n```ts\n([\s\S]*?)```\n<!-- example:end -->/.exec(readme);
  expect(block, 'README.md has an example block between the example markers').not.toBeNull();
  expect(block![1]).toBe(readFileSync(resolve(root, 'examples/quickstart.test.ts'), 'utf8'));
});
