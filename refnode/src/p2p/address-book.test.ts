import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { multiaddr } from '@multiformats/multiaddr';
import { afterEach, describe, expect, it } from 'vitest';
import { AddressBook, parseBookFile } from './address-book.ts';
import { isP2pError } from './errors.ts';
import { peerIdFromSecretKey } from './identity.ts';
import { retryDelay } from './peer-keeper.ts';

const [self, a, b] = (await Promise.all(
  ['01', '02', '03'].map((byte) => peerIdFromSecretKey(byte.repeat(32))),
)) as [string, string, string];

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function bookFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'refnode-book-'));
  dirs.push(dir);
  const file = join(dir, 'peers.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function problemsOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(isP2pError(error) && error.code).toBe('invalid_book');
    return (error as Error).message;
  }
  throw new Error('expected an invalid_book error');
}

describe('peers file', () => {
  it('parses entries: transport addresses, bootstrap default true, own entry dropped', () => {
    const entries = parseBookFile(
      JSON.stringify({
        peers: [
          { peerId: a, addrs: [`/ip4/127.0.0.1/tcp/4001/p2p/${a}`], name: 'val-1' },
          { peerId: b, addrs: ['/dns4/val-2/tcp/4002'], bootstrap: false },
          { peerId: self, addrs: ['/ip4/127.0.0.1/tcp/4000'] },
        ],
      }),
      'peers.json',
      self,
    );
    expect(entries).toEqual([
      { peerId: a, addrs: ['/ip4/127.0.0.1/tcp/4001'], bootstrap: true, configured: false, name: 'val-1' },
      { peerId: b, addrs: ['/dns4/val-2/tcp/4002'], bootstrap: false, configured: false },
    ]);
  });

  it('names every bad field, its value and what is allowed, all at once', () => {
    const message = problemsOf(() =>
      parseBookFile(
        JSON.stringify({
          peers: [
            { peerId: 'nope', addrs: [] },
            { peerId: a, addrs: ['/ip4/127.0.0.1/udp/1'], bootstrap: 'yes', port: 1 },
            { peerId: b, addrs: [`/ip4/127.0.0.1/tcp/1/p2p/${a}`] },
          ],
        }),
        'peers.json',
        self,
      ),
    );
    expect(message).toContain('peers[0].peerId must be a libp2p peer id (12D3Koo…), got "nope"');
    expect(message).toContain('peers[1].port is not a field; allowed: peerId, addrs, bootstrap, name');
    expect(message).toContain('peers[1].bootstrap must be true or false, got "yes"');
    expect(message).toContain('peers[1].addrs[0] must be a TCP multiaddr');
    expect(message).toContain(`peers[2].addrs[0] ends with /p2p/${a}, which is not the entry's peerId ${b}`);
    expect(problemsOf(() => parseBookFile('{', 'peers.json', self))).toContain('peers.json: not JSON');
    expect(problemsOf(() => parseBookFile('[]', 'peers.json', self))).toContain(
      'must be an object { "peers": [',
    );
  });
});

describe('AddressBook', () => {
  it('without a file allows any dial (learned addresses are dialled as before)', () => {
    const book = new AddressBook({ configured: [`/ip4/127.0.0.1/tcp/4001/p2p/${a}`], self });
    book.load();
    expect(book.strict).toBe(false);
    expect(book.allowsDial(multiaddr(`/ip4/127.0.0.1/tcp/9999/p2p/${b}`))).toBe(true);
    expect(book.get(a)).toMatchObject({ bootstrap: true, configured: true });
  });

  it('with a file allows only book addresses of that very peer', () => {
    const file = bookFile({ peers: [{ peerId: a, addrs: ['/ip4/127.0.0.1/tcp/4001'] }] });
    const book = new AddressBook({ configured: [`/ip4/127.0.0.1/tcp/4002/p2p/${b}`], file, self });
    book.load();
    expect(book.strict).toBe(true);
    expect(book.allowsDial(multiaddr(`/ip4/127.0.0.1/tcp/4001/p2p/${a}`))).toBe(true);
    expect(book.allowsDial(multiaddr(`/ip4/127.0.0.1/tcp/4002/p2p/${b}`))).toBe(true);
    // a's real port learned from others, b at a's address, and no peer id at all: refused.
    expect(book.allowsDial(multiaddr(`/ip4/127.0.0.1/tcp/5001/p2p/${a}`))).toBe(false);
    expect(book.allowsDial(multiaddr(`/ip4/127.0.0.1/tcp/4001/p2p/${b}`))).toBe(false);
    expect(book.allowsDial(multiaddr('/ip4/127.0.0.1/tcp/4001'))).toBe(false);
  });

  it('reloads a changed file, reports what changed, and keeps the old book when the new one is bad', () => {
    const file = bookFile({ peers: [{ peerId: a, addrs: ['/ip4/127.0.0.1/tcp/4001'] }] });
    const book = new AddressBook({ configured: [], file, self });
    book.load();
    expect(book.poll()).toEqual({ kind: 'unchanged' });
    writeFileSync(
      file,
      JSON.stringify({
        peers: [
          { peerId: a, addrs: ['/ip4/127.0.0.1/tcp/4101'] },
          { peerId: b, addrs: ['/ip4/127.0.0.1/tcp/4002'], bootstrap: false },
        ],
      }),
    );
    const changed = book.poll();
    expect(changed.kind).toBe('changed');
    if (changed.kind !== 'changed') return;
    expect(changed.change.added.map((entry) => entry.peerId)).toEqual([b]);
    expect(changed.change.changed.map((entry) => entry.addrs)).toEqual([['/ip4/127.0.0.1/tcp/4101']]);
    expect(book.status()).toMatchObject({ version: 2, error: null });

    writeFileSync(file, '{"peers": [{"peerId": "bad"}]}');
    const invalid = book.poll();
    expect(invalid.kind).toBe('invalid');
    expect(book.status().error).toContain('peers[0].peerId must be a libp2p peer id');
    expect(book.entries().map((entry) => entry.peerId)).toEqual([a, b]);
    // The same bad content is reported once.
    expect(book.poll()).toEqual({ kind: 'unchanged' });

    writeFileSync(file, JSON.stringify({ peers: [] }));
    const emptied = book.poll();
    expect(emptied.kind === 'changed' && emptied.change.removed).toEqual([a, b]);
    expect(book.status()).toMatchObject({ version: 3, error: null, entries: [] });
  });

  it('refuses to start with a missing or invalid file', () => {
    expect(
      problemsOf(() => new AddressBook({ configured: [], file: '/nonexistent/peers.json', self }).load()),
    ).toContain('cannot read peers file /nonexistent/peers.json');
    const file = bookFile({ peers: [{ peerId: a }] });
    expect(problemsOf(() => new AddressBook({ configured: [], file, self }).load())).toContain(
      'peers[0].addrs must be an array of 1..8 multiaddrs',
    );
  });
});

describe('dial backoff', () => {
  it('re-dials configured peers every 1–2 s, book bootstrap peers up to 10 s, learned ones up to 30 s', () => {
    expect([1, 2, 3, 50].map((n) => retryDelay('configured', n))).toEqual([1000, 2000, 2000, 2000]);
    expect([1, 2, 3, 4, 5, 50].map((n) => retryDelay('bootstrap', n))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
    expect([1, 5, 6, 50].map((n) => retryDelay('learned', n))).toEqual([1000, 16_000, 30_000, 30_000]);
  });
});
