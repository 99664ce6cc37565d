import { readFileSync } from 'node:fs';
import { createTxSigner } from '../codec.ts';
import { UsageError } from '../errors.ts';
import type { Wallet } from '../genesis.ts';
import { type FlagSpec, parseFlags } from './flags.ts';

export const txFlags: FlagSpec[] = [
  { name: 'wallets', type: 'string', required: true, help: 'wallets.json written by genesis' },
  { name: 'from', type: 'int', min: 0, required: true, help: 'index of the sending wallet' },
  {
    name: 'to',
    type: 'string',
    required: true,
    help: 'index of the receiving wallet, or a 64-hex address',
    check: (raw) =>
      /^\d+$/.test(raw) || /^[0-9a-f]{64}$/.test(raw)
        ? undefined
        : 'must be a wallet index or a 64-hex address',
  },
  { name: 'amount', type: 'int', min: 1, required: true, help: 'amount to transfer' },
  { name: 'fee', type: 'int', min: 0, required: true, help: 'fee paid to the block proposer' },
  {
    name: 'nonce',
    type: 'int',
    min: 0,
    default: '0',
    help: "the sender's next nonce (GET /accounts/:address)",
  },
];

/** `refnode tx`: prints a signed tx as the JSON body for `POST /txs`. */
export function txCommand(args: string[]): void {
  const flags = parseFlags(args, txFlags);
  let file: { chainId: string; wallets: Wallet[] };
  try {
    file = JSON.parse(readFileSync(flags.wallets as string, 'utf8'));
  } catch (error) {
    throw new UsageError(
      `--wallets ${flags.wallets}: cannot read wallets file: ${(error as Error).message}`,
      ['--wallets'],
    );
  }
  const wallet = (index: number, flag: string) => {
    const found = file.wallets[index];
    if (found === undefined)
      throw new UsageError(`${flag} ${index}: no such wallet; allowed 0..${file.wallets.length - 1}`, [flag]);
    return found;
  };
  const from = wallet(flags.from as number, '--from');
  const toRaw = flags.to as string;
  const to = /^[0-9a-f]{64}$/.test(toRaw) ? toRaw : wallet(Number(toRaw), '--to').address;
  const tx = createTxSigner(from.secretKey)({
    chainId: file.chainId,
    from: from.address,
    to,
    amount: flags.amount as number,
    fee: flags.fee as number,
    nonce: (flags.nonce as number | undefined) ?? 0,
  });
  process.stdout.write(`${JSON.stringify(tx)}\n`);
}
