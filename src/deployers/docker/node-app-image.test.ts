/**
 * Where a Node program's files go in its image: under `/app` as on the host when its
 * packages sit in its own node_modules, and with the host layout from the project dir when
 * npm hoisted them above it (chainlab installed in someone's project), with `/app/<entry>`
 * a one-line module importing the real entry. The docker run of an installed package is in
 * test/consumer.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeAppImage } from './node-app-image.ts';

const work = mkdtempSync(join(tmpdir(), 'chainlab-app-image-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function file(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

function pkg(dir: string, name: string, dependencies: Record<string, string> = {}): void {
  file(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', dependencies }));
  file(join(dir, 'index.js'), 'export {};\n');
}

/** A project where npm hoisted `dep` but had to nest `dup@2` under chainlab (the project has dup@1). */
function installedLayout(): { root: string } {
  const projectDir = join(work, 'project');
  const root = join(projectDir, 'node_modules', 'chainlab');
  file(join(root, 'package.json'), JSON.stringify({ name: 'chainlab', type: 'module' }));
  file(join(root, 'dist/refnode/main.js'), "import 'dep';\nimport 'dup';\n");
  file(join(root, 'dist/refnode/main.d.ts'), 'export {};\n');
  file(join(root, 'dist/refnode/main.js.map'), '{}');
  pkg(join(projectDir, 'node_modules', 'dep'), 'dep', { dup: '^1' });
  pkg(join(projectDir, 'node_modules', 'dup'), 'dup');
  pkg(join(root, 'node_modules', 'dup'), 'dup');
  return { root };
}

const appPaths = (files: { path: string; layer?: string }[]) =>
  files
    .filter((f) => f.layer === 'app' || f.layer === 'packages')
    .map((f) => f.path)
    .sort();

describe('nodeAppImage layout', () => {
  it('keeps npm’s layout from the project dir when packages were hoisted above the program', async () => {
    const { root } = installedLayout();
    const recipe = await nodeAppImage({
      name: 'chainlab/layout-test',
      root,
      include: ['dist/refnode'],
      entry: 'dist/refnode/main.js',
      faketime: false,
    });
    expect(appPaths([...recipe.files])).toEqual([
      '/app/dist/refnode/main.js',
      '/app/node_modules/chainlab/dist/refnode/main.js',
      '/app/node_modules/chainlab/node_modules/dup/index.js',
      '/app/node_modules/chainlab/node_modules/dup/package.json',
      '/app/node_modules/chainlab/package.json',
      '/app/node_modules/dep/index.js',
      '/app/node_modules/dep/package.json',
      '/app/node_modules/dup/index.js',
      '/app/node_modules/dup/package.json',
      '/app/package.json',
    ]);
    const shim = recipe.files.find((f) => f.path === '/app/dist/refnode/main.js');
    expect(shim?.content).toBe("import 'file:///app/node_modules/chainlab/dist/refnode/main.js';\n");
    expect(recipe.entrypoint).toEqual(['/usr/local/bin/node', '/app/dist/refnode/main.js']);
    const types = recipe.files.filter((f) => f.path.endsWith('package.json') && f.content !== undefined);
    expect(types.map((f) => JSON.parse(String(f.content)).type)).toEqual(['module', 'module']);
  });

  it('puts the program at /app, with no shim, when its packages are in its own node_modules', async () => {
    const root = join(work, 'repo');
    file(join(root, 'package.json'), JSON.stringify({ name: 'repo', type: 'module' }));
    file(join(root, 'refnode/main.ts'), "import 'dep';\n");
    file(join(root, 'refnode/main.test.ts'), "import 'vitest';\n");
    pkg(join(root, 'node_modules', 'dep'), 'dep');
    const recipe = await nodeAppImage({
      name: 'chainlab/layout-test',
      root,
      include: ['refnode'],
      entry: 'refnode/main.ts',
      faketime: false,
    });
    expect(appPaths([...recipe.files])).toEqual([
      '/app/node_modules/dep/index.js',
      '/app/node_modules/dep/package.json',
      '/app/package.json',
      '/app/refnode/main.ts',
    ]);
    expect(recipe.entrypoint).toEqual(['/usr/local/bin/node', '/app/refnode/main.ts']);
  });

  it("keeps a native addon's prebuilt binary for the image's platform only", async () => {
    const root = join(work, 'addon');
    file(join(root, 'package.json'), JSON.stringify({ name: 'addon-app', type: 'module' }));
    file(join(root, 'main.js'), "import 'native';\n");
    const native = join(root, 'node_modules', 'native');
    pkg(native, 'native');
    for (const platform of [`linux-${process.arch}`, 'darwin-arm64', 'win32-x64', 'linux-riscv64']) {
      file(join(native, 'prebuilds', platform, 'native.node'), 'binary');
    }
    file(join(native, 'lib', 'prebuilds.js'), 'export {};\n');
    const recipe = await nodeAppImage({
      name: 'chainlab/addon-test',
      root,
      include: ['main.js'],
      entry: 'main.js',
      faketime: false,
    });
    expect(appPaths([...recipe.files])).toEqual([
      '/app/main.js',
      '/app/node_modules/native/index.js',
      '/app/node_modules/native/lib/prebuilds.js',
      '/app/node_modules/native/package.json',
      `/app/node_modules/native/prebuilds/linux-${process.arch}/native.node`,
      '/app/package.json',
    ]);
  });
});
