import { isIP } from 'node:net';
import { multiaddr } from '@multiformats/multiaddr';
import { P2pError } from './errors.ts';

const SEED_HEX = /^[0-9a-fA-F]{64}$/;
const CHAIN_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The fields startNetwork checks before starting anything (the rest are objects it only uses). */
export interface CheckedOptions {
  secretKey: unknown;
  host: unknown;
  port: unknown;
  announce: unknown;
  peers: unknown;
  chainId: unknown;
  maxPeers?: unknown;
  requestTimeoutMs?: unknown;
  peersFile?: unknown;
  bookPollMs?: unknown;
}

/**
 * Checks every option and throws one `invalid_option` P2pError listing all problems, each naming
 * the field, the bad value and what is allowed.
 */
export function checkNetworkOptions(options: CheckedOptions): void {
  const problems: string[] = [];
  const show = (value: unknown): string => {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 100 ? `${text.slice(0, 100)}…` : text;
  };
  if (typeof options.secretKey !== 'string' || !SEED_HEX.test(options.secretKey)) {
    problems.push('secretKey must be a 32-byte ed25519 seed as 64 hex chars');
  }
  if (typeof options.host !== 'string' || isIP(options.host) === 0) {
    problems.push(
      `host must be an IPv4 or IPv6 address (e.g. 127.0.0.1 or 0.0.0.0), got ${show(options.host)}`,
    );
  }
  if (
    typeof options.port !== 'number' ||
    !Number.isInteger(options.port) ||
    options.port < 0 ||
    options.port > 65535
  ) {
    problems.push(`port must be an integer 0..65535 (0 = any free port), got ${show(options.port)}`);
  }
  if (typeof options.chainId !== 'string' || !CHAIN_ID.test(options.chainId)) {
    problems.push(`chainId must be 1..64 chars of [A-Za-z0-9._-], got ${show(options.chainId)}`);
  }
  checkMultiaddrs('announce', options.announce, false, problems);
  checkMultiaddrs('peers', options.peers, true, problems);
  if (options.maxPeers !== undefined) {
    const value = options.maxPeers;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1000) {
      problems.push(`maxPeers must be an integer 1..1000, got ${show(value)}`);
    }
  }
  if (options.requestTimeoutMs !== undefined) {
    const value = options.requestTimeoutMs;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 100 || value > 600_000) {
      problems.push(`requestTimeoutMs must be an integer 100..600000, got ${show(value)}`);
    }
  }
  if (
    options.peersFile !== undefined &&
    (typeof options.peersFile !== 'string' || options.peersFile === '')
  ) {
    problems.push(`peersFile must be a file path, got ${show(options.peersFile)}`);
  }
  if (options.bookPollMs !== undefined) {
    const value = options.bookPollMs;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 100 || value > 60_000) {
      problems.push(`bookPollMs must be an integer 100..60000, got ${show(value)}`);
    }
  }
  if (problems.length > 0) {
    throw new P2pError('invalid_option', `invalid p2p options:\n  - ${problems.join('\n  - ')}`);
  }
}

function checkMultiaddrs(field: string, value: unknown, needPeerId: boolean, problems: string[]): void {
  if (!Array.isArray(value)) {
    problems.push(
      `${field} must be an array of multiaddr strings, got ${JSON.stringify(value) ?? String(value)}`,
    );
    return;
  }
  value.forEach((entry, index) => {
    const what = `${field}[${index}]`;
    if (typeof entry !== 'string') {
      problems.push(`${what} must be a multiaddr string, got ${JSON.stringify(entry) ?? String(entry)}`);
      return;
    }
    try {
      const components = multiaddr(entry).getComponents();
      if (needPeerId && !components.some((component) => component.name === 'p2p')) {
        problems.push(
          `${what} must end with /p2p/<peerId> (e.g. /ip4/127.0.0.1/tcp/40002/p2p/12D3Koo…), got ${JSON.stringify(entry)}`,
        );
      }
    } catch (error) {
      problems.push(
        `${what} is not a valid multiaddr (${error instanceof Error ? error.message : String(error)}): ${JSON.stringify(entry)}`,
      );
    }
  });
}
