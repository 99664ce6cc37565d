/**
 * RPC credentials for a litecoind node: a random password chainlab keeps, and the
 * `-rpcauth` line the node gets (user, salt and HMAC-SHA256 of the password, as Litecoin
 * Core's share/rpcauth/rpcauth.py makes it), so the password never appears in argv.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { RpcAuth } from './rpc.ts';

/** Credentials of a cluster's nodes. */
export interface RpcCredentials extends RpcAuth {
  /** Value of `-rpcauth=`: `user:salt$hmac`. */
  rpcauth: string;
}

/**
 * New random credentials.
 *
 * @example
 * const creds = rpcCredentials(); // { user: 'chainlab', password: '…', rpcauth: 'chainlab:…$…' }
 */
export function rpcCredentials(user = 'chainlab'): RpcCredentials {
  const password = randomBytes(24).toString('hex');
  const salt = randomBytes(16).toString('hex');
  const hmac = createHmac('sha256', salt).update(password).digest('hex');
  return { user, password, rpcauth: `${user}:${salt}$${hmac}` };
}
