#!/usr/bin/env node
/**
 * refnode: the reference proof-of-stake chain node of chainlab.
 * `node refnode/main.ts <genesis|run|tx|blob> [flags]`; `--help` on any command lists its flags.
 */
import { enableCompileCache } from 'node:module';

// A cold start compiles libp2p and our TypeScript; on a busy machine that takes seconds. The
// on-disk compile cache (os.tmpdir()/node-compile-cache, or $NODE_COMPILE_CACHE) halves the
// CPU of every later start, so it is enabled before anything else is imported.
enableCompileCache?.();
const { runCli } = await import('./src/cli/cli.ts');
await runCli(process.argv.slice(2));
