/**
 * Where the litecoind program is. Debian's `/usr/bin/litecoind` is a shell wrapper that
 * writes `~/.litecoin/litecoin.conf` into the user's home and then `exec`s
 * `/usr/lib/litecoin/litecoind`; chainlab runs the daemon itself (no side effects outside
 * the node's data dir, and the image needs an ELF file whose libraries `ldd` can list).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { AdapterError } from '../../support/errors.ts';

/** Places tried in order: Debian's real daemon, then a `litecoind` that is itself the daemon. */
export const litecoindCandidates: readonly string[] = ['/usr/lib/litecoin/litecoind', '/usr/bin/litecoind'];

function isElf(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The litecoind daemon binary: `CHAINLAB_LITECOIND` when set, else the first ELF among
 * {@link litecoindCandidates}. Throws `AdapterError` naming the places tried.
 *
 * @example
 * litecoindBinary() // '/usr/lib/litecoin/litecoind' on Debian
 */
export function litecoindBinary(): string {
  const override = process.env.CHAINLAB_LITECOIND;
  const candidates = override ? [override] : litecoindCandidates;
  const found = candidates.find(isElf);
  if (found === undefined) {
    throw new AdapterError(
      'litecoind',
      `no litecoind daemon (an ELF executable) at ${candidates.join(', ')}; install the Debian package litecoind or set CHAINLAB_LITECOIND`,
    );
  }
  return found;
}
