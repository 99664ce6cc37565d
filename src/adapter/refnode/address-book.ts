/**
 * refnode's address book (its `--peers-file`) for a cluster whose connections run through
 * links or whose node set changes at run time: every peer the node may reach, each at the
 * endpoint it must dial (the link proxy's port for the link to it, or the peer's own p2p
 * listener without links). With a book refnode is strict: it dials only book addresses and
 * resolves every address it learns through the book, so nothing it learns bypasses a link.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { type Clock, systemClock } from '../../support/clock.ts';
import { AdapterError } from '../../support/errors.ts';
import type { ChainClient, LaunchEndpoints, PeerUpdateContext } from '../types.ts';

/** How long a running node may take to load a changed book (it reads the file every 500 ms). */
const BOOK_LOAD_TIMEOUT_MS = 10_000;

/** The file name of a node's book, in the chain dir. */
export function bookFileName(node: string): string {
  return `peers-${node}.json`;
}

/** A TCP multiaddr without a peer id. */
export function tcpMultiaddr(host: string, port: number): string {
  const family = isIP(host) === 6 ? 'ip6' : isIP(host) === 4 ? 'ip4' : 'dns4';
  return `/${family}/${host}/tcp/${port}`;
}

/**
 * The book's JSON: every reachable peer at its endpoint; those the node dials at start are
 * `bootstrap` (kept connected), the rest are dialled once learned by peer exchange.
 */
export function bookContent(
  endpoints: Pick<LaunchEndpoints, 'peers' | 'reachable'>,
  peerIdOf: (name: string) => string,
): string {
  const dials = new Set(endpoints.peers.map((p) => p.name));
  const peers = (endpoints.reachable ?? endpoints.peers).map((p) => ({
    peerId: peerIdOf(p.name),
    addrs: [tcpMultiaddr(p.host, p.p2pPort)],
    bootstrap: dials.has(p.name),
    name: p.name,
  }));
  return `${JSON.stringify({ peers }, null, 2)}\n`;
}

/** Writes a book on the host atomically (temp file + rename: refnode re-reads it every 500 ms). */
export function writeBookFile(path: string, content: string): void {
  const temp = `${path}.tmp`;
  writeFileSync(temp, content);
  renameSync(temp, path);
}

interface BookView {
  version: number;
  error: string | null;
}

async function bookOf(client: ChainClient, signal: AbortSignal): Promise<BookView> {
  const book = (client as ChainClient & { book?(o: { signal: AbortSignal }): Promise<BookView> }).book;
  if (book === undefined) throw new AdapterError('refnode', 'the client cannot read the address book');
  return book.call(client, { signal });
}

/**
 * Replaces a running node's book and resolves once the node has loaded it (its book version
 * moved on without an error), so the caller may rely on the change. A node that is not
 * serving (`ctx.confirm` false) only gets the file: it reads it when it runs again.
 */
export async function updateBook(
  path: string,
  content: string,
  ctx: PeerUpdateContext,
  node: string,
  clock: Clock = systemClock,
): Promise<void> {
  if (ctx.confirm === false) {
    await ctx.writeFile(path, content);
    return;
  }
  const before = await bookOf(ctx.client, ctx.signal);
  await ctx.writeFile(path, content);
  const deadline = clock.monotonic() + BOOK_LOAD_TIMEOUT_MS;
  for (;;) {
    const now = await bookOf(ctx.client, ctx.signal);
    if (now.version > before.version && now.error === null) return;
    if (now.error !== null && now.version > before.version)
      throw new AdapterError('refnode', `${node} refused its new address book ${path}: ${now.error}`);
    if (clock.monotonic() > deadline)
      throw new AdapterError(
        'refnode',
        `${node} did not load its new address book ${path} within ${BOOK_LOAD_TIMEOUT_MS} ms (book version stayed ${now.version}${now.error ? `, error: ${now.error}` : ''})`,
      );
    await clock.sleep(100);
  }
}
