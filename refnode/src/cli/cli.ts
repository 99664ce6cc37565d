/** The refnode command line: `genesis`, `run`, `node-config`, `tx`, `blob`, and `--help` for each. */

import { isRefnodeError, UsageError } from '../errors.ts';
import { blobCommand, blobFlags } from './blob-command.ts';
import { renderHelp } from './flags.ts';
import { genesisCommand, genesisFlags } from './genesis-command.ts';
import { nodeConfigCommand, nodeConfigFlags } from './node-config-command.ts';
import { runCommand, runFlags } from './run-command.ts';
import { txCommand, txFlags } from './tx-command.ts';

const commands = {
  genesis: {
    usage: 'node refnode/main.ts genesis --validators N --out DIR [flags]',
    description:
      'Writes DIR/genesis.json, DIR/wallets.json and DIR/node-<i>.json (validators first, then executors).',
    flags: genesisFlags,
    run: genesisCommand,
  },
  run: {
    usage: 'node refnode/main.ts run --config FILE [flags]',
    description:
      'Runs one node. Prints one JSON ready line on stdout once the API serves; logs JSON to stderr; SIGTERM/SIGINT stop it gracefully.',
    flags: runFlags,
    run: runCommand,
  },
  'node-config': {
    usage: 'node refnode/main.ts node-config --genesis FILE --node-id NAME --out FILE [flags]',
    description:
      'Writes the config of a node that joins later with a fresh identity (new key and peer id, empty data dir, free ports). Prints { event, nodeId, peerId, publicKey, config }.',
    flags: nodeConfigFlags,
    run: nodeConfigCommand,
  },
  tx: {
    usage: 'node refnode/main.ts tx --wallets FILE --from I --to J --amount A --fee F [--nonce N]',
    description: 'Prints a signed tx as the JSON body for POST /txs.',
    flags: txFlags,
    run: txCommand,
  },
  blob: {
    usage: 'node refnode/main.ts blob --wallets FILE --from I --channel C --data-file F [--sequence N]',
    description: 'Prints a signed blob as the JSON body for POST /da/blobs (executors).',
    flags: blobFlags,
    run: blobCommand,
  },
} as const;

const globalHelp = `usage: node refnode/main.ts <command> [flags]

commands:
  genesis      write a genesis set (genesis.json, wallets.json, node-<i>.json)
  run          run one node from its config file
  node-config  write the config of a node that joins later with a fresh identity
  tx           print a signed transfer for POST /txs
  blob         print a signed data-availability blob for POST /da/blobs

Run \`node refnode/main.ts <command> --help\` for a command's flags.`;

/** Runs the CLI; usage errors exit 2, other failures exit 1. */
export async function runCli(argv: string[]): Promise<void> {
  try {
    await dispatch(argv);
  } catch (error) {
    fail(error);
  }
}

async function dispatch(argv: string[]): Promise<void> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${globalHelp}\n`);
    if (name === undefined) process.exitCode = 2;
    return;
  }
  const command = commands[name as keyof typeof commands];
  if (command === undefined) {
    throw new UsageError(
      `unknown command ${JSON.stringify(name)}; allowed: ${Object.keys(commands).join(', ')}`,
      [name],
    );
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${renderHelp(command.usage, command.description, [...command.flags])}\n`);
    return;
  }
  await command.run(args);
}

function fail(error: unknown): never {
  if (error instanceof UsageError) {
    process.stderr.write(`refnode: ${error.message}\n(run with --help for usage)\n`);
    process.exit(2);
  }
  if (isRefnodeError(error)) {
    process.stderr.write(`refnode: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`refnode: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
}
