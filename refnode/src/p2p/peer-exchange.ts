import type { Libp2p, PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import { P2pError } from './errors.ts';
import { peerOf } from './peer-keeper.ts';
import { exchange, jsonBytes, parseJsonFrame, serve } from './wire.ts';

/*
 * /refnode/<chainId>/peers/1: the dialer sends nothing; the listener answers one JSON frame
 *   { peers: [{ id: '12D3…', addrs: ['/ip4/…/tcp/…', …] }] }
 * with the peers it is connected to and the addresses they announced through identify
 * (their `announce` addresses when set), so a late joiner that knows one node finds the rest.
 */

/** Most peers in one answer. */
export const MAX_EXCHANGED_PEERS = 64;
/** Most addresses per peer in one answer. */
const MAX_ADDRS_PER_PEER = 8;
const MAX_ANSWER_BYTES = 128 * 1024;

export function peerExchangeProtocol(chainId: string): string {
  return `/refnode/${chainId}/peers/1`;
}

/** A peer and the addresses to dial it with (each ending in `/p2p/<id>`). */
export interface ExchangedPeer {
  id: string;
  addrs: Multiaddr[];
}

/** Answers peer-exchange requests with our connected peers. */
export async function servePeerExchange(libp2p: Libp2p, chainId: string, timeoutMs: number): Promise<void> {
  await serve(libp2p, peerExchangeProtocol(chainId), {
    maxRequestBytes: 1024,
    timeoutMs,
    maxInboundStreams: 4,
    readsRequest: false,
    async answer(_request, asker) {
      const peers: { id: string; addrs: string[] }[] = [];
      for (const peerId of libp2p.getPeers()) {
        const id = peerId.toString();
        if (id === asker || peers.length >= MAX_EXCHANGED_PEERS) continue;
        const addrs = await announcedAddresses(libp2p, peerId);
        if (addrs.length > 0) peers.push({ id, addrs: addrs.slice(0, MAX_ADDRS_PER_PEER) });
      }
      return [jsonBytes({ peers })];
    },
  });
}

async function announcedAddresses(libp2p: Libp2p, peerId: PeerId): Promise<string[]> {
  try {
    const peer = await libp2p.peerStore.get(peerId);
    const addrs = peer.addresses
      .map((address) => address.multiaddr.toString())
      .filter((address) => isDialable(address));
    if (addrs.length > 0) return addrs;
  } catch {
    // not in the peer store yet (identify still running): fall back to the connection below
  }
  // We dialed them, so the address we used reaches them.
  return libp2p
    .getConnections(peerId)
    .filter((connection) => connection.direction === 'outbound')
    .map((connection) => connection.remoteAddr.toString())
    .filter((address) => isDialable(address));
}

/** Unspecified addresses (0.0.0.0, ::) cannot be dialed from elsewhere. */
function isDialable(address: string): boolean {
  return !address.startsWith('/ip4/0.0.0.0/') && !address.startsWith('/ip6/::/');
}

/** Asks `peer` for the peers it is connected to. */
export async function askPeers(
  libp2p: Libp2p,
  chainId: string,
  peer: string,
  timeoutMs: number,
  stopSignal: AbortSignal,
): Promise<ExchangedPeer[]> {
  const what = 'peer exchange request';
  const answer = await exchange({
    libp2p,
    peer,
    protocol: peerExchangeProtocol(chainId),
    what,
    timeoutMs,
    stopSignal,
    maxFrameBytes: MAX_ANSWER_BYTES,
    run: async (lp, signal) => parseJsonFrame(await lp.read({ signal }), what),
  });
  if (!Array.isArray(answer.peers))
    throw new P2pError('protocol_error', `${what}: answer has no peers array`, { peer });
  const result: ExchangedPeer[] = [];
  // Whatever a (possibly hostile) peer sends is parsed defensively and bounded.
  for (const entry of answer.peers.slice(0, MAX_EXCHANGED_PEERS) as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { id, addrs } = entry as { id?: unknown; addrs?: unknown };
    if (typeof id !== 'string' || !Array.isArray(addrs) || !isPeerId(id)) continue;
    const parsed: Multiaddr[] = [];
    for (const address of addrs.slice(0, MAX_ADDRS_PER_PEER) as unknown[]) {
      if (typeof address !== 'string' || !isDialable(address)) continue;
      try {
        const ma = multiaddr(address);
        const inside = peerOf(ma);
        if (inside === undefined) parsed.push(ma.encapsulate(`/p2p/${id}`));
        else if (inside === id) parsed.push(ma);
      } catch {
        // skip addresses we cannot parse
      }
    }
    if (parsed.length > 0) result.push({ id, addrs: parsed });
  }
  return result;
}

function isPeerId(id: string): boolean {
  try {
    peerIdFromString(id);
    return true;
  } catch {
    return false;
  }
}
