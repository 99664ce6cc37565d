import { loadNodeConfig } from '../config.ts';
import { loadGenesis } from '../genesis.ts';
import { checkStore } from '../store-check.ts';
import { type FlagSpec, parseFlags } from './flags.ts';

export const checkFlags: FlagSpec[] = [
  { name: 'config', type: 'string', required: true, help: 'node config file (node-<i>.json)' },
  { name: 'data-dir', type: 'string', help: 'data directory (overrides dataDir)' },
];

/** `refnode check`: checks a stopped node's data dir; prints the report, exits 1 when it is not sound. */
export async function checkCommand(args: string[]): Promise<void> {
  const flags = parseFlags(args, checkFlags);
  const config = loadNodeConfig(flags.config as string, { dataDir: flags['data-dir'] as string | undefined });
  const report = checkStore(config.dataDir, loadGenesis(config.genesisFile), {
    mintOnPropose: config.bugs.includes('mint-on-propose'),
  });
  process.stdout.write(`${JSON.stringify({ event: 'check', dataDir: config.dataDir, ...report })}\n`);
  if (!report.ok) process.exitCode = 1;
}
