#!/usr/bin/env node
// The `chainlab` executable (package.json `bin`): hands its arguments to the dispatcher.
import { runChainlab } from './dispatch.ts';

process.exitCode = await runChainlab(process.argv.slice(2));
