/**
 * The test process's client of the link proxy's control API (src/links/proxy/
 * control-server.ts), over the 127.0.0.1 address the deployer published it on.
 */
import { ChainlabError } from '../support/errors.ts';
import type { FullLinkSettings } from './link-settings.ts';
import type { LinkStatus } from './proxy/link-table.ts';

/** A link as the proxy reports it (`GET /links`): the proxy's own type, read over HTTP. */
export type ProxyLinkStatus = LinkStatus;

/** A flow (one direction between two nodes) as the proxy reports it. */
export interface ProxyFlowStatus {
  from: string;
  to: string;
  settings: FullLinkSettings;
  /** Bytes delivered so far. */
  bytes: number;
}

/** One probe's outcome: `passed` when a connection through the link reached its target. */
export interface ProbeResult {
  id: string;
  passed: boolean;
  /** `held` (the link is blackholed), or why the target could not be dialled. */
  reason?: string;
}

/** Requests to one proxy's control API. */
export class LinkProxyClient {
  readonly url: string;
  readonly #timeoutMs: number;

  constructor(url: string, opts: { timeoutMs?: number } = {}) {
    this.url = url.replace(/\/+$/, '');
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        signal: AbortSignal.timeout(this.#timeoutMs),
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
    } catch (error) {
      throw new ChainlabError(
        `link proxy at ${this.url} did not answer ${method} ${path}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const json = (await res.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
    if (!res.ok)
      throw new ChainlabError(
        `link proxy refused ${method} ${path} (${res.status}): ${json?.error?.message ?? 'no answer body'}`,
      );
    return json as T;
  }

  /** Listens for links not yet known; returns each link's port. */
  async addLinks(
    links: readonly { from: string; to: string; target: { host: string; port: number } }[],
  ): Promise<{ id: string; port: number }[]> {
    return (await this.#call<{ links: { id: string; port: number }[] }>('PUT', '/links', { links })).links;
  }

  /** Closes links (their connections are reset). */
  async removeLinks(ids: readonly string[]): Promise<number> {
    return (await this.#call<{ removed: number }>('DELETE', '/links', { ids })).removed;
  }

  /** Sets flows' settings; returns how many connections a new blackhole reset. */
  async setFlows(
    flows: readonly { from: string; to: string; settings: FullLinkSettings }[],
  ): Promise<number> {
    if (flows.length === 0) return 0;
    return (await this.#call<{ reset: number }>('PUT', '/flows', { flows })).reset;
  }

  /** Resets the established connections of links once. */
  async reset(ids: readonly string[]): Promise<number> {
    return (await this.#call<{ reset: number }>('POST', '/reset', { ids })).reset;
  }

  /** Dials through each link as a node would: did it reach the target within `timeoutMs`? */
  async probe(ids: readonly string[], timeoutMs: number): Promise<ProbeResult[]> {
    if (ids.length === 0) return [];
    return (await this.#call<{ results: ProbeResult[] }>('POST', '/probe', { ids, timeoutMs })).results;
  }

  /** Every link and flow with its counters. */
  status(): Promise<{ links: ProxyLinkStatus[]; flows: ProxyFlowStatus[] }> {
    return this.#call('GET', '/links');
  }
}
