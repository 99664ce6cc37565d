import { readFileSync } from 'node:fs';
import { peerIdFromString } from '@libp2p/peer-id';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import { P2pError } from './errors.ts';
import { peerOf } from './peer-keeper.ts';

/*
 * The address book: which peers this node may dial, and at which addresses. Its entries are
 * the configured peers (`p2p.peers` / `--peers`) plus, when a peers file is given, the file's
 * entries. With a peers file the book is strict: the node dials only book addresses, and a peer
 * learned from others (peer exchange, identify) is dialled at its book address or not at all.
 * A launcher that puts a proxy on every link (chainlab's link layer) therefore sees every
 * connection this node opens. The file is re-read when it changes (polled), so addresses can be
 * added, changed and removed at run time.
 *
 * File format (JSON):
 *   { "peers": [ { "peerId": "12D3Koo…", "addrs": ["/ip4/127.0.0.1/tcp/41001"],
 *                  "bootstrap": true, "name": "val-1" } ] }
 */

/** Most entries a peers file may hold. */
export const MAX_BOOK_ENTRIES = 1000;
/** Most addresses per entry. */
const MAX_ADDRS_PER_ENTRY = 8;

/** One peer of the book: where this node may dial it. */
export interface BookEntry {
  peerId: string;
  /** Transport addresses (no `/p2p` part), e.g. `/ip4/127.0.0.1/tcp/41001`. */
  addrs: string[];
  /**
   * Dialled at start and kept connected while in the book (`p2p.peers` every 1–2 s, file
   * entries with a backoff capped at 10 s); otherwise dialled only once learned from a peer.
   */
  bootstrap: boolean;
  /** From `p2p.peers` (re-dialled every 1–2 s forever) rather than from the peers file. */
  configured: boolean;
  /** Informational name (e.g. `val-1`), shown in `GET /p2p/peers`. */
  name?: string;
}

/** What a poll found: nothing new, a valid new book (and what changed), or an unusable file. */
export type BookPoll =
  | { kind: 'unchanged' }
  | { kind: 'changed'; change: BookChange }
  | { kind: 'invalid'; message: string };

/** What a reload changed. */
export interface BookChange {
  added: BookEntry[];
  /** Peer ids no longer in the book. */
  removed: string[];
  /** Entries whose addresses, bootstrap flag or name changed. */
  changed: BookEntry[];
}

/** The book as `GET /p2p/book` shows it. */
export interface BookStatus {
  /** True with a peers file: only book addresses are dialled. */
  strict: boolean;
  file: string | null;
  /** Successful loads of the file so far (1 after start). */
  version: number;
  /** When the file was last loaded (ms since the epoch), null without a file. */
  loadedAt: number | null;
  /** Why the last reload failed (the previous book stays in force), null when it did not. */
  error: string | null;
  entries: BookEntry[];
}

/** A multiaddr without its `/p2p/<id>` part, as a string. */
export function transportOf(ma: Multiaddr): string {
  return ma.decapsulateCode(P2P_CODE).toString();
}

/** Multicodec of the `/p2p/<id>` component. */
const P2P_CODE = 421;

/**
 * Parses a peers file; throws an `invalid_book` P2pError listing every bad field with its value
 * and what is allowed. Entries for `self` are dropped (a launcher may write one book for all).
 */
export function parseBookFile(text: string, file: string, self: string): BookEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new P2pError('invalid_book', `${file}: not JSON (${(error as Error).message})`);
  }
  const problems: string[] = [];
  const peers = (raw as { peers?: unknown } | null)?.peers;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || !Array.isArray(peers)) {
    throw new P2pError(
      'invalid_book',
      `${file}: must be an object { "peers": [{ "peerId", "addrs", "bootstrap"?, "name"? }] }, got ${JSON.stringify(raw)?.slice(0, 80)}`,
    );
  }
  if (peers.length > MAX_BOOK_ENTRIES)
    problems.push(`peers has ${peers.length} entries; at most ${MAX_BOOK_ENTRIES}`);
  const entries: BookEntry[] = [];
  const seen = new Set<string>();
  peers.slice(0, MAX_BOOK_ENTRIES).forEach((item: unknown, index: number) => {
    const where = `peers[${index}]`;
    const entry = item as Record<string, unknown> | null;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${where} must be an object, got ${JSON.stringify(item)?.slice(0, 80)}`);
      return;
    }
    for (const key of Object.keys(entry)) {
      if (!['peerId', 'addrs', 'bootstrap', 'name'].includes(key))
        problems.push(`${where}.${key} is not a field; allowed: peerId, addrs, bootstrap, name`);
    }
    const peerId = entry.peerId;
    if (typeof peerId !== 'string' || !isPeerId(peerId)) {
      problems.push(
        `${where}.peerId must be a libp2p peer id (12D3Koo…), got ${JSON.stringify(peerId)?.slice(0, 80)}`,
      );
      return;
    }
    if (seen.has(peerId)) problems.push(`${where}.peerId ${peerId} appears twice`);
    seen.add(peerId);
    if (entry.bootstrap !== undefined && typeof entry.bootstrap !== 'boolean')
      problems.push(`${where}.bootstrap must be true or false, got ${JSON.stringify(entry.bootstrap)}`);
    if (entry.name !== undefined && (typeof entry.name !== 'string' || entry.name.length > 64))
      problems.push(
        `${where}.name must be a string of at most 64 chars, got ${JSON.stringify(entry.name)?.slice(0, 80)}`,
      );
    const addrs: string[] = [];
    if (!Array.isArray(entry.addrs) || entry.addrs.length === 0 || entry.addrs.length > MAX_ADDRS_PER_ENTRY) {
      problems.push(
        `${where}.addrs must be an array of 1..${MAX_ADDRS_PER_ENTRY} multiaddrs (e.g. /ip4/127.0.0.1/tcp/41001), got ${JSON.stringify(entry.addrs)?.slice(0, 80)}`,
      );
    } else {
      entry.addrs.forEach((address: unknown, i: number) => {
        const problem = addressProblem(address, peerId);
        if (problem === undefined) addrs.push(transportOf(multiaddr(address as string)));
        else problems.push(`${where}.addrs[${i}] ${problem}`);
      });
    }
    if (peerId === self) return;
    entries.push({
      peerId,
      addrs,
      bootstrap: entry.bootstrap !== false,
      configured: false,
      ...(typeof entry.name === 'string' ? { name: entry.name } : {}),
    });
  });
  if (problems.length > 0)
    throw new P2pError('invalid_book', `${file}: invalid peers file:\n  - ${problems.join('\n  - ')}`);
  return entries;
}

function addressProblem(address: unknown, peerId: string): string | undefined {
  if (typeof address !== 'string') return `must be a multiaddr string, got ${JSON.stringify(address)}`;
  let ma: Multiaddr;
  try {
    ma = multiaddr(address);
  } catch (error) {
    return `is not a multiaddr (${(error as Error).message}): ${JSON.stringify(address)}`;
  }
  const names = ma.getComponents().map((component) => component.name);
  if (!names.includes('tcp'))
    return `must be a TCP multiaddr (/ip4/H/tcp/P or /dns4/H/tcp/P), got ${JSON.stringify(address)}`;
  const inside = peerOf(ma);
  if (inside !== undefined && inside !== peerId)
    return `ends with /p2p/${inside}, which is not the entry's peerId ${peerId}`;
  return undefined;
}

function isPeerId(id: string): boolean {
  try {
    peerIdFromString(id);
    return true;
  } catch {
    return false;
  }
}

/** Entries of `p2p.peers`: multiaddrs ending in `/p2p/<id>`, bootstrap and configured. */
function configuredEntries(peers: readonly string[], self: string): Map<string, BookEntry> {
  const entries = new Map<string, BookEntry>();
  for (const address of peers) {
    const ma = multiaddr(address);
    const peerId = peerOf(ma);
    if (peerId === undefined || peerId === self) continue;
    const entry = entries.get(peerId);
    const transport = transportOf(ma);
    if (entry === undefined)
      entries.set(peerId, { peerId, addrs: [transport], bootstrap: true, configured: true });
    else if (!entry.addrs.includes(transport)) entry.addrs.push(transport);
  }
  return entries;
}

/** Same dial behaviour: the fields a reload compares. */
function sameEntry(a: BookEntry, b: BookEntry): boolean {
  return (
    a.bootstrap === b.bootstrap &&
    a.configured === b.configured &&
    a.name === b.name &&
    a.addrs.length === b.addrs.length &&
    a.addrs.every((address, i) => address === b.addrs[i])
  );
}

/**
 * The address book of one node (see the comment at the top of this file). `load()` reads the
 * file once (throws `invalid_book`); `poll()` re-reads it and applies it when its content
 * changed, keeping the previous book when the new content is invalid.
 */
export class AddressBook {
  readonly strict: boolean;
  readonly file: string | undefined;
  readonly #self: string;
  readonly #configured: Map<string, BookEntry>;
  #entries = new Map<string, BookEntry>();
  #stamp = '';
  #version = 0;
  #loadedAt: number | null = null;
  #error: string | null = null;

  constructor(options: { configured: readonly string[]; file?: string; self: string }) {
    this.file = options.file;
    this.strict = options.file !== undefined;
    this.#self = options.self;
    this.#configured = configuredEntries(options.configured, options.self);
    this.#entries = new Map(this.#configured);
  }

  /** Reads the peers file (if any) for the first time; throws an `invalid_book` P2pError. */
  load(): void {
    if (this.file === undefined) return;
    const { stamp, text } = this.#read();
    this.#entries = this.#merge(parseBookFile(text, this.file, this.#self));
    this.#stamp = stamp;
    this.#version = 1;
    this.#loadedAt = Date.now();
  }

  /**
   * Re-reads the file and applies it when its content changed. An unreadable or invalid file is reported once
   * (`invalid`, also in `status().error`) and the previous book stays in force.
   */
  poll(): BookPoll {
    if (this.file === undefined) return { kind: 'unchanged' };
    let read: { stamp: string; text: string };
    try {
      read = this.#read();
    } catch (error) {
      return this.#invalid((error as Error).message);
    }
    if (read.stamp === this.#stamp) return { kind: 'unchanged' };
    // A half-written file gets a new stamp when the writer finishes, so it is read again then.
    this.#stamp = read.stamp;
    let fresh: Map<string, BookEntry>;
    try {
      fresh = this.#merge(parseBookFile(read.text, this.file, this.#self));
    } catch (error) {
      return this.#invalid((error as Error).message);
    }
    this.#error = null;
    this.#version++;
    this.#loadedAt = Date.now();
    const change: BookChange = { added: [], removed: [], changed: [] };
    for (const [peerId, entry] of fresh) {
      const before = this.#entries.get(peerId);
      if (before === undefined) change.added.push(entry);
      else if (!sameEntry(before, entry)) change.changed.push(entry);
    }
    for (const peerId of this.#entries.keys()) if (!fresh.has(peerId)) change.removed.push(peerId);
    this.#entries = fresh;
    return { kind: 'changed', change };
  }

  #invalid(message: string): BookPoll {
    if (message === this.#error) return { kind: 'unchanged' };
    this.#error = message;
    return { kind: 'invalid', message };
  }

  get(peerId: string): BookEntry | undefined {
    return this.#entries.get(peerId);
  }

  entries(): BookEntry[] {
    return [...this.#entries.values()];
  }

  /**
   * Whether this node may dial `ma` (a multiaddr ending in `/p2p/<id>`). Without a peers file
   * every address is allowed (learned addresses are dialled as before); with one, only a book
   * address of that very peer.
   */
  allowsDial(ma: Multiaddr): boolean {
    if (!this.strict) return true;
    const peerId = peerOf(ma);
    if (peerId === undefined) return false;
    return this.#entries.get(peerId)?.addrs.includes(transportOf(ma)) ?? false;
  }

  status(): BookStatus {
    return {
      strict: this.strict,
      file: this.file ?? null,
      version: this.#version,
      loadedAt: this.#loadedAt,
      error: this.#error,
      entries: this.entries(),
    };
  }

  #read(): { stamp: string; text: string } {
    const file = this.file!;
    try {
      // The content is the stamp: a small file, and no mtime granularity or inode reuse to trip on.
      const text = readFileSync(file, 'utf8');
      return { stamp: text, text };
    } catch (error) {
      throw new P2pError('invalid_book', `cannot read peers file ${file}: ${(error as Error).message}`);
    }
  }

  /** File entries plus the configured ones (a peer in both keeps both address lists). */
  #merge(fromFile: BookEntry[]): Map<string, BookEntry> {
    const merged = new Map<string, BookEntry>();
    for (const [peerId, entry] of this.#configured) merged.set(peerId, { ...entry, addrs: [...entry.addrs] });
    for (const entry of fromFile) {
      const configured = merged.get(entry.peerId);
      if (configured === undefined) merged.set(entry.peerId, entry);
      else {
        for (const address of entry.addrs)
          if (!configured.addrs.includes(address)) configured.addrs.push(address);
        if (entry.name !== undefined) configured.name = entry.name;
      }
    }
    return merged;
  }
}
