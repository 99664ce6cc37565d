// Every code block of the README that is a file (ts, js) is a real file that runs: this keeps
// the two from drifting apart. Each such block is preceded by `<!-- file: <path> -->`.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const readme = readFileSync(resolve(root, 'README.md'), 'utf8');

/** Fenced blocks with their language and the `file:` marker on the line before the fence. */
function codeBlocks(text: string): { lang: string; body: string; file: string | undefined }[] {
  const blocks: { lang: string; body: string; file: string | undefined }[] = [];
  for (const m of text.matchAll(/(?:<!-- file: (\S+) -->\n)?```(\w*)\n([\s\S]*?)```\n/g)) {
    blocks.push({ file: m[1], lang: m[2]!, body: m[3]! });
  }
  return blocks;
}

const fileBlocks = codeBlocks(readme).filter((b) => ['ts', 'js'].includes(b.lang));

test('every ts/js block of the README names the file it shows', () => {
  expect(fileBlocks.length).toBeGreaterThanOrEqual(4);
  expect(fileBlocks.filter((b) => b.file === undefined).map((b) => b.body.split('\n', 1)[0])).toEqual([]);
});

test.each(fileBlocks.filter((b) => b.file !== undefined).map((b) => [b.file!, b.body] as const))(
  'the README block of %s is that file, verbatim',
  (file, body) => {
    expect(body).toBe(readFileSync(resolve(root, file), 'utf8'));
  },
);

test('the README shows the Vitest set-up and, under ## Jest, a js config then a ts test', () => {
  const files = fileBlocks.map((b) => b.file);
  expect(files).toEqual([
    'examples/setup/vitest.config.ts',
    'examples/quickstart.test.ts',
    'examples/jest/jest.config.mjs',
    'examples/jest/chain.test.ts',
  ]);
  const jest = readme.slice(readme.indexOf('\n## Jest\n'));
  expect(jest.indexOf('```js\n')).toBeGreaterThan(0);
  expect(jest.indexOf('```ts\n')).toBeGreaterThan(jest.indexOf('```js\n'));
});
