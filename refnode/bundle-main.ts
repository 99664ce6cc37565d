#!/usr/bin/env node
/**
 * The entry of refnode's bundle (`dist/refnode/bundle/main.js`, written by `npm run build`):
 * runs refnode, bundled as one CommonJS script beside it, with a V8 code cache a warm node
 * wrote, so a start deserializes the code its boot and first connections run instead of
 * compiling it (src/code-cache.ts).
 */
import { enableCompileCache } from 'node:module';
import { join } from 'node:path';
import type { runCli } from './src/cli/cli.ts';
import { codeCacheDir, runCachedCommonJs } from './src/code-cache.ts';

// The packages the bundle leaves out (sodium-native's loader) use Node's own cache.
enableCompileCache?.();
// Only `run` writes caches (when it serves, and when it is warm): a cache written as `genesis`
// ends lacks what a node's boot compiles, and starts would keep using it.
const refnode = runCachedCommonJs(join(import.meta.dirname, 'refnode.cjs'), codeCacheDir());
const cli = refnode.exports as { runCli: typeof runCli };
await cli.runCli(process.argv.slice(2), {
  codeCache: refnode.used,
  ready: () => refnode.saveBoot(),
  warm: () => refnode.saveWarm(),
});
