import { describe, expect, it } from 'vitest';
import { minedHashesSchema, peerInfoSchema, toPeers } from './client.ts';
import { parseRpcJson } from './rpc-json.ts';

// Entries shaped like litecoind 0.21's getpeerinfo (fields trimmed to those read here).
const live =
  '{"id":3,"addr":"127.0.0.1:40112","inbound":false,"connection_type":"manual","synced_headers":41,"synced_blocks":41,"inflight":[],"subver":"/LitecoinCore:0.21.4(val-2)/"}';
// A peer torn down between getpeerinfo's listing and its state lookup: no sync fields at all.
const leaving =
  '{"id":6,"addr":"127.0.0.1:40118","inbound":true,"connection_type":"inbound","subver":"/LitecoinCore:0.21.4(val-3)/"}';

describe('getpeerinfo', () => {
  it('reads a peer without sync state (one being torn down) beside a live one', () => {
    const body = parseRpcJson(`[${live},${leaving}]`);
    const peers = toPeers(peerInfoSchema.parse(body));
    expect(peers).toEqual([
      {
        id: 3,
        addr: '127.0.0.1:40112',
        inbound: false,
        connectionType: 'manual',
        syncedBlocks: 41,
        subver: '/LitecoinCore:0.21.4(val-2)/',
      },
      {
        id: 6,
        addr: '127.0.0.1:40118',
        inbound: true,
        connectionType: 'inbound',
        syncedBlocks: undefined,
        subver: '/LitecoinCore:0.21.4(val-3)/',
      },
    ]);
  });

  it('still refuses a malformed sync height', () => {
    const body = parseRpcJson(`[${live.replace('"synced_blocks":41', '"synced_blocks":"41"')}]`);
    expect(peerInfoSchema.safeParse(body).success).toBe(false);
  });
});

describe('generatetoaddress', () => {
  const hash = 'ab'.repeat(32);

  it('takes one hash per block asked for', () => {
    expect(minedHashesSchema(2).parse([hash, hash])).toEqual([hash, hash]);
  });

  it('refuses a short answer (a node shutting down stops mining part-way), naming the count', () => {
    const short = minedHashesSchema(1).safeParse([]);
    expect(short.success).toBe(false);
    expect(short.error?.issues[0]?.message).toMatch(/^1 block hashes, one per block asked for/);
    expect(minedHashesSchema(3).safeParse([hash]).success).toBe(false);
  });
});
