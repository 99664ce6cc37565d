import { readFileSync } from 'node:fs';
import { CHANNEL_NAME, createBlobSigner } from '../da/blob.ts';
import { UsageError } from '../errors.ts';
import type { Wallet } from '../genesis.ts';
import { type FlagSpec, parseFlags } from './flags.ts';

export const blobFlags: FlagSpec[] = [
  { name: 'wallets', type: 'string', required: true, help: 'wallets.json written by genesis' },
  {
    name: 'from',
    type: 'int',
    min: 0,
    required: true,
    help: 'index of the wallet that owns the channel and signs',
  },
  {
    name: 'channel',
    type: 'string',
    required: true,
    help: 'channel name: 1–64 chars of A-Z a-z 0-9 . _ -, starting with a letter or digit',
    check: (raw) =>
      CHANNEL_NAME.test(raw)
        ? undefined
        : 'must be 1–64 chars of A-Z a-z 0-9 . _ - starting with a letter or digit',
  },
  { name: 'data-file', type: 'string', required: true, help: 'file whose bytes are the blob payload' },
  {
    name: 'sequence',
    type: 'int',
    min: 0,
    default: '0',
    help: "the blob's position in the channel: 0 for the first, then +1 (GET /da/channels/:name says the next one)",
  },
];

/** `refnode blob`: prints a signed blob as the JSON body for `POST /da/blobs`. */
export function blobCommand(args: string[]): void {
  const flags = parseFlags(args, blobFlags);
  let file: { chainId: string; wallets: Wallet[] };
  try {
    file = JSON.parse(readFileSync(flags.wallets as string, 'utf8'));
  } catch (error) {
    throw new UsageError(
      `--wallets ${flags.wallets}: cannot read wallets file: ${(error as Error).message}`,
      ['--wallets'],
    );
  }
  const from = file.wallets[flags.from as number];
  if (from === undefined)
    throw new UsageError(`--from ${flags.from}: no such wallet; allowed 0..${file.wallets.length - 1}`, [
      '--from',
    ]);
  let data: Buffer;
  try {
    data = readFileSync(flags['data-file'] as string);
  } catch (error) {
    throw new UsageError(`--data-file ${flags['data-file']}: cannot read: ${(error as Error).message}`, [
      '--data-file',
    ]);
  }
  if (data.length === 0)
    throw new UsageError(`--data-file ${flags['data-file']}: the file is empty; a blob needs ≥ 1 byte`, [
      '--data-file',
    ]);
  const blob = createBlobSigner(from.secretKey)({
    chainId: file.chainId,
    channel: flags.channel as string,
    owner: from.address,
    sequence: (flags.sequence as number | undefined) ?? 0,
    data,
  });
  process.stdout.write(`${JSON.stringify(blob)}\n`);
}
