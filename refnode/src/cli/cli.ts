/** The refnode command line: `genesis`, `run`, `node-config`, `tx`, `blob`, `check`, and `--help` for each. */

import { isRefnodeError, UsageError } from '../errors.ts';
import { type FlagSpec, renderHelp } from './flags.ts';

/** A command's flags and body, loaded only when that command runs: `run` need not load `genesis`. */
type Loaded = { flags: FlagSpec[]; run: (args: string[], hooks: CliHooks) => void | Promise<void> };

/** What the program that started the CLI (the bundle's entry, see code-cache.ts) learns or is told. */
export interface CliHooks {
  /** Which code cache this start used, for `run`'s startup line. */
  codeCache?: string;
  /** Called once by `run` right after its ready line: the node has booted. */
  ready?: () => void;
  /**
   * Called once by `run` when the node is warm: serving, and connected to a peer for a few
   * seconds. The code a node runs is compiled by then, worth keeping as a code cache.
   */
  warm?: () => void;
}

/** How the user started refnode, for usage lines; `chainlab refnode` sets REFNODE_PROG. */
const prog = process.env.REFNODE_PROG || 'node refnode/main.ts';

const commands = {
  genesis: {
    usage: `${prog} genesis --validators N --out DIR [flags]`,
    description:
      'Writes DIR/genesis.json, DIR/wallets.json and DIR/node-<i>.json (validators first, then executors).',
    load: async (): Promise<Loaded> => {
      const { genesisCommand, genesisFlags } = await import('./genesis-command.ts');
      return { flags: genesisFlags, run: genesisCommand };
    },
  },
  run: {
    usage: `${prog} run --config FILE [flags]`,
    description:
      'Runs one node. Prints one JSON ready line on stdout once the API serves; logs JSON to stderr; SIGTERM/SIGINT stop it gracefully.',
    load: async (): Promise<Loaded> => {
      const { runCommand, runFlags } = await import('./run-command.ts');
      return { flags: runFlags, run: runCommand };
    },
  },
  'node-config': {
    usage: `${prog} node-config --genesis FILE --node-id NAME --out FILE [flags]`,
    description:
      'Writes the config of a node that joins later with a fresh identity (new key and peer id, empty data dir, free ports). Prints { event, nodeId, peerId, publicKey, config }.',
    load: async (): Promise<Loaded> => {
      const { nodeConfigCommand, nodeConfigFlags } = await import('./node-config-command.ts');
      return { flags: nodeConfigFlags, run: nodeConfigCommand };
    },
  },
  tx: {
    usage: `${prog} tx --wallets FILE --from I --to J --amount A --fee F [--nonce N]`,
    description: 'Prints a signed tx as the JSON body for POST /txs.',
    load: async (): Promise<Loaded> => {
      const { txCommand, txFlags } = await import('./tx-command.ts');
      return { flags: txFlags, run: txCommand };
    },
  },
  blob: {
    usage: `${prog} blob --wallets FILE --from I --channel C --data-file F [--sequence N]`,
    description: 'Prints a signed blob as the JSON body for POST /da/blobs (executors).',
    load: async (): Promise<Loaded> => {
      const { blobCommand, blobFlags } = await import('./blob-command.ts');
      return { flags: blobFlags, run: blobCommand };
    },
  },
  check: {
    usage: `${prog} check --config FILE [--data-dir DIR]`,
    description:
      "Checks a stopped node's data dir (sqlite integrity, best-chain index, replay with every state root recomputed); prints a JSON report, exits 1 when it is not sound.",
    load: async (): Promise<Loaded> => {
      const { checkCommand, checkFlags } = await import('./check-command.ts');
      return { flags: checkFlags, run: checkCommand };
    },
  },
} as const;

const globalHelp = `usage: ${prog} <command> [flags]

commands:
  genesis      write a genesis set (genesis.json, wallets.json, node-<i>.json)
  run          run one node from its config file
  node-config  write the config of a node that joins later with a fresh identity
  tx           print a signed transfer for POST /txs
  blob         print a signed data-availability blob for POST /da/blobs
  check        check a stopped node's data dir (integrity, chain links, state roots)

Run \`${prog} <command> --help\` for a command's flags.`;

/** Runs the CLI; usage errors exit 2, other failures exit 1. */
export async function runCli(argv: string[], hooks: CliHooks = {}): Promise<void> {
  try {
    await dispatch(argv, hooks);
  } catch (error) {
    fail(error);
  }
}

async function dispatch(argv: string[], hooks: CliHooks): Promise<void> {
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
  const { flags, run } = await command.load();
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${renderHelp(command.usage, command.description, [...flags])}\n`);
    return;
  }
  await run(args, hooks);
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
