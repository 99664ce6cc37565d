/**
 * JSON-RPC transport to one litecoind node over an undici pool: per-call
 * timeouts and abort signals, JSON-RPC batches (one HTTP request, many calls), wallet
 * endpoints (`/wallet/<name>`), exact number parsing, and one typed error for every way a
 * call can fail.
 */
import { Pool } from 'undici';
import type { z } from 'zod';
import { AdapterError } from '../../support/errors.ts';
import { parseRpcJson } from './rpc-json.ts';

/** User and password a node accepts (see `rpcCredentials`). */
export interface RpcAuth {
  user: string;
  password: string;
}

/** Per-call options. */
export interface RpcCallOptions {
  signal?: AbortSignal;
  /** Overrides the client's default timeout (ms). */
  timeoutMs?: number;
  /** Call the wallet endpoint of this loaded wallet. */
  wallet?: string;
}

/** Options of {@link LitecoinRpc}. */
export interface LitecoinRpcOptions {
  /** Per-call timeout in ms (headers and body). Default 5000. */
  timeoutMs?: number;
  /** Calls in flight at once. Default 4 (the node serves `-rpcthreads` at once). */
  connections?: number;
}

/** How a call failed. */
export type RpcFailure =
  /** The node answered with a JSON-RPC error (`rpcCode`, `rpcMessage`). */
  | 'rpc'
  /** No answer within the timeout (a paused or overloaded node). */
  | 'timeout'
  /** No connection (node stopped, port closed). */
  | 'unreachable'
  /** 401/403: wrong credentials or address not allowed. */
  | 'unauthorized'
  /** An answer that is not JSON-RPC, or a result of the wrong shape. */
  | 'protocol'
  /** The caller's signal aborted the call. */
  | 'aborted';

const rpcErrorBrand: unique symbol = Symbol.for('chainlab.litecoind.rpcError') as never;

/** A failed RPC call; chain-level refusals are values at the layer above, never this. */
export class LitecoinRpcError extends AdapterError {
  readonly [rpcErrorBrand] = true as const;
  readonly failure: RpcFailure;
  readonly method: string;
  readonly url: string;
  /** JSON-RPC error code (e.g. -26 for a policy refusal), when `failure` is `rpc`. */
  readonly rpcCode: number | undefined;
  /** The node's error message, when `failure` is `rpc`. */
  readonly rpcMessage: string | undefined;
  readonly durationMs: number;

  constructor(
    failure: RpcFailure,
    call: { method: string; url: string; durationMs: number },
    detail: string,
    extra: { rpcCode?: number; rpcMessage?: string; status?: number; cause?: unknown } = {},
  ) {
    super('litecoind', `${call.method} at ${call.url} failed (${failure}): ${detail}`, {
      ...(extra.cause === undefined ? {} : { cause: extra.cause }),
      ...(extra.status === undefined ? {} : { status: extra.status }),
    });
    this.failure = failure;
    this.method = call.method;
    this.url = call.url;
    this.rpcCode = extra.rpcCode;
    this.rpcMessage = extra.rpcMessage;
    this.durationMs = call.durationMs;
  }

  /** True for a litecoind RPC error, also across workers/realms. */
  static isRpc(x: unknown): x is LitecoinRpcError {
    return AdapterError.is(x) && (x as unknown as Record<symbol, unknown>)[rpcErrorBrand] === true;
  }

  /** True when `x` is a JSON-RPC error with `code` (e.g. -5 "not found"). */
  static hasCode(x: unknown, code: number): x is LitecoinRpcError {
    return LitecoinRpcError.isRpc(x) && x.failure === 'rpc' && x.rpcCode === code;
  }
}

/** One call of a batch. */
export interface RpcRequest {
  method: string;
  params?: readonly unknown[] | Readonly<Record<string, unknown>>;
}

/** One answer of a batch: the result, or the call's error (a batch never throws per call). */
export type RpcOutcome = { ok: true; result: unknown } | { ok: false; error: LitecoinRpcError };

interface RpcEnvelope {
  result?: unknown;
  error?: { code?: number; message?: string } | null;
  id?: unknown;
}

/**
 * JSON-RPC client of one node.
 *
 * @example
 * const rpc = new LitecoinRpc('http://127.0.0.1:18443', { user: 'chainlab', password });
 * const height = await rpc.call('getblockcount');
 */
export class LitecoinRpc {
  readonly url: string;
  readonly #pool: Pool;
  readonly #authHeader: string;
  readonly #timeoutMs: number;
  #nextId = 1;
  #closed = false;

  constructor(url: string, auth: RpcAuth, opts: LitecoinRpcOptions = {}) {
    this.url = url.replace(/\/+$/, '');
    this.#timeoutMs = opts.timeoutMs ?? 5000;
    this.#authHeader = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
    this.#pool = new Pool(this.url, {
      connections: opts.connections ?? 4,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
  }

  /** Calls `method`; resolves with its result or throws {@link LitecoinRpcError}. */
  async call(method: string, params: RpcRequest['params'] = [], opts: RpcCallOptions = {}): Promise<unknown> {
    const [outcome] = await this.#post([{ method, params }], false, opts);
    if (!outcome!.ok) throw outcome!.error;
    return outcome!.result;
  }

  /**
   * Calls `method` and also returns the `Date` header of the node's answer: the node's own
   * wall clock when it answered (its HTTP server stamps every answer, to the second).
   */
  async callDated(
    method: string,
    params: RpcRequest['params'] = [],
    opts: RpcCallOptions = {},
  ): Promise<{ result: unknown; date: string | undefined }> {
    let date: string | undefined;
    const [outcome] = await this.#post([{ method, params }], false, opts, (d) => {
      date = d;
    });
    if (!outcome!.ok) throw outcome!.error;
    return { result: outcome!.result, date };
  }

  /** Calls `method` and checks its result against `schema` (a mismatch is a `protocol` failure). */
  async typed<S extends z.ZodType>(
    method: string,
    params: RpcRequest['params'],
    schema: S,
    opts: RpcCallOptions = {},
  ): Promise<z.output<S>> {
    const started = performance.now();
    const result = await this.call(method, params, opts);
    const parsed = schema.safeParse(result);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new LitecoinRpcError(
      'protocol',
      { method, url: this.#endpoint(opts.wallet), durationMs: performance.now() - started },
      `unexpected result at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
    );
  }

  /**
   * Sends `requests` as one JSON-RPC batch; answers in input order. Transport failures
   * throw; a call the node refused is an `ok: false` outcome.
   */
  batch(requests: readonly RpcRequest[], opts: RpcCallOptions = {}): Promise<RpcOutcome[]> {
    if (requests.length === 0) return Promise.resolve([]);
    return this.#post(requests, true, opts);
  }

  #endpoint(wallet: string | undefined): string {
    return wallet === undefined ? this.url : `${this.url}/wallet/${encodeURIComponent(wallet)}`;
  }

  async #post(
    requests: readonly RpcRequest[],
    asBatch: boolean,
    opts: RpcCallOptions,
    onDate?: (date: string | undefined) => void,
  ): Promise<RpcOutcome[]> {
    const path = opts.wallet === undefined ? '/' : `/wallet/${encodeURIComponent(opts.wallet)}`;
    const method = asBatch ? `batch of ${requests.length} (${requests[0]!.method}…)` : requests[0]!.method;
    const url = this.#endpoint(opts.wallet);
    const timeoutMs = opts.timeoutMs ?? this.#timeoutMs;
    const started = performance.now();
    const call = (): { method: string; url: string; durationMs: number } => ({
      method,
      url,
      durationMs: Math.round(performance.now() - started),
    });
    if (this.#closed) throw new LitecoinRpcError('unreachable', call(), 'client is closed');
    const firstId = this.#nextId;
    this.#nextId += requests.length;
    const envelopes = requests.map((r, i) => ({
      jsonrpc: '1.0',
      id: firstId + i,
      method: r.method,
      params: r.params ?? [],
    }));
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    let status: number;
    let text: string;
    try {
      const res = await this.#pool.request({
        method: 'POST',
        path,
        signal,
        // One connection per call: litecoind's shutdown waits for every open HTTP connection
        // to close, so a kept-alive idle connection would hold a SIGTERM stop for up to
        // `-rpcservertimeout` (30 s). A loopback connect costs far less than a call.
        reset: true,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        headers: { authorization: this.#authHeader, 'content-type': 'application/json' },
        body: JSON.stringify(asBatch ? envelopes : envelopes[0]),
      });
      status = res.statusCode;
      const date = res.headers.date;
      onDate?.(Array.isArray(date) ? date[0] : date);
      text = await res.body.text();
    } catch (error) {
      if (opts.signal?.aborted) throw new LitecoinRpcError('aborted', call(), 'aborted', { cause: error });
      if (timeout.aborted || isTimeout(error)) {
        throw new LitecoinRpcError('timeout', call(), `no answer within ${timeoutMs} ms`, { cause: error });
      }
      throw new LitecoinRpcError('unreachable', call(), (error as Error).message, { cause: error });
    }
    if (status === 401 || status === 403) {
      throw new LitecoinRpcError('unauthorized', call(), `HTTP ${status}`, { status });
    }
    let body: unknown;
    try {
      body = parseRpcJson(text);
    } catch (error) {
      throw new LitecoinRpcError('protocol', call(), `HTTP ${status}, not JSON: ${text.slice(0, 200)}`, {
        status,
        cause: error,
      });
    }
    const answers = asBatch ? body : [body];
    if (!Array.isArray(answers) || answers.length !== requests.length) {
      throw new LitecoinRpcError(
        'protocol',
        call(),
        `HTTP ${status}, unexpected body: ${text.slice(0, 200)}`,
        {
          status,
        },
      );
    }
    const byId = new Map<unknown, RpcEnvelope>();
    for (const a of answers as RpcEnvelope[]) byId.set(a?.id, a);
    return requests.map((r, i) => {
      const env = byId.get(firstId + i);
      const one = { method: r.method, url, durationMs: Math.round(performance.now() - started) };
      if (env === undefined) {
        return {
          ok: false,
          error: new LitecoinRpcError('protocol', one, 'no answer with this id in the batch'),
        };
      }
      if (env.error !== null && env.error !== undefined) {
        const code = typeof env.error.code === 'number' ? env.error.code : undefined;
        const message = String(env.error.message ?? 'no message');
        return {
          ok: false,
          error: new LitecoinRpcError('rpc', one, `${code} ${message}`, {
            status,
            rpcMessage: message,
            ...(code === undefined ? {} : { rpcCode: code }),
          }),
        };
      }
      return { ok: true, result: env.result };
    });
  }

  /** Closes the connection pool; later calls fail with `unreachable`. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // destroy, not close: a long-poll (`waitforblockheight`) would hold a graceful close open
    await this.#pool.destroy().catch(() => {});
  }
}

function isTimeout(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}
