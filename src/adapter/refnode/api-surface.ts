/**
 * refnode's HTTP API as request data (facet `api-surface`): the reads an ordinary user makes,
 * how a signed tx is submitted, bodies refnode must refuse (broken JSON, wrong shapes, over
 * its size limits), routes it does not serve, a body for a slow client, and what its statuses
 * mean. The API flood and the control probe send these verbatim; only this file knows
 * refnode's paths, bodies and limits (refnode/README.md, "HTTP API" and "Request limits").
 */
import type {
  ApiAnswer,
  ApiRequest,
  ApiSurface,
  ApiSurfaceContext,
  ChainClient,
  PreparedTx,
  RequestOptions,
} from '../types.ts';
import { parseStartTime } from './metrics.ts';

/** refnode's default `api.maxBodyBytes` (1 MiB): a larger body is refused 413 before it is read. */
const MAX_BODY_BYTES = 1_048_576;
/** refnode refuses a single tx whose JSON is over 1024 bytes (`too_large`). */
const MAX_TX_BYTES = 1024;
/** Most blocks one `GET /blocks` answers. */
const BLOCKS_PAGE = 500;

const json = { 'content-type': 'application/json' };

function get(label: string, path: string): ApiRequest {
  return { label, method: 'GET', path };
}

function post(label: string, path: string, body: string): ApiRequest {
  return { label, method: 'POST', path, headers: json, body };
}

/** A tx-shaped body of `chainId` whose fields are wrong in a way refnode checks before anything else. */
function badTx(chainId: string, fields: Record<string, unknown>): string {
  return JSON.stringify({
    chainId,
    from: 'f'.repeat(64),
    to: 'e'.repeat(64),
    amount: 1,
    fee: 1,
    nonce: 0,
    ...fields,
  });
}

/**
 * The refnode {@link ApiSurface} for chain `chainId`.
 *
 * @example
 * const surface = refnodeApiSurface('refnode-1bee34b6');
 * const reads = await surface.reads({ client, wallets });
 */
export function refnodeApiSurface(chainId: string): ApiSurface {
  // Built once: a flood sends the same few bodies many times.
  const malformed: ApiRequest[] = [
    post('tx-bad-json', '/txs', '{"chainId":'),
    post('tx-not-object', '/txs', '"transfer"'),
    post('tx-bad-fields', '/txs', badTx(chainId, { amount: 'ten', sig: 'zz' })),
    post('txs-bad-array', '/txs', '[{"chainId":1},'),
    get('blocks-bad-range', '/blocks?from=-1&to=x'),
    get('account-bad-address', '/accounts/not-an-address'),
    post('blob-bad-json', '/da/blobs', '{"channel":'),
  ];
  const oversized: ApiRequest[] = [
    // Over the body limit: refused from its declared length, before a byte is read.
    post('body-over-limit', '/txs', `"${'x'.repeat(MAX_BODY_BYTES)}"`),
    // Within the body limit, but one tx larger than a tx may be.
    post('tx-over-limit', '/txs', badTx(chainId, { sig: 'a'.repeat(MAX_TX_BYTES * 2) })),
  ];
  const unknownRoutes: ApiRequest[] = [
    get('no-such-path', '/admin/shutdown'),
    get('no-such-subpath', '/blocks/latest/txs'),
    { label: 'wrong-method', method: 'DELETE', path: '/txs' },
    post('post-to-read', '/info', '{}'),
  ];
  const slowBody = post('tx-slow', '/txs', badTx(chainId, { sig: '0'.repeat(128), nonce: -1 }));

  return {
    async reads(ctx: ApiSurfaceContext): Promise<ApiRequest[]> {
      const info = await ctx.client.info({ timeoutMs: 5000 });
      const h = info.height;
      // The reads go to every node, so the block read names a final block: every node that
      // follows the chain has it. The tip read from one node may not have reached another
      // yet (or may be replaced by a fork), and that node would answer 404 to a valid read.
      const final = info.finalizedTip ?? info.tip;
      const finalBlock = await ctx.client.block(final, { timeoutMs: 5000 });
      // A tx the chain has, else an id nobody knows (still a valid read: `unknown`).
      const txId = finalBlock?.txIds[0] ?? '0'.repeat(64);
      const out: ApiRequest[] = [
        get('health', '/health'),
        get('info', '/info'),
        get('blocks-recent', `/blocks?from=${Math.max(0, h - 19)}&to=${h}`),
        get('blocks-page', `/blocks?from=0&to=${BLOCKS_PAGE - 1}`),
        get('block', `/blocks/${final}`),
        get('tx-status', `/txs/${txId}`),
        get('mempool', '/mempool'),
        get('supply', '/supply'),
        get('metrics', '/metrics'),
      ];
      const wallet = ctx.wallets[0];
      if (wallet !== undefined) out.push(get('account', `/accounts/${wallet.address}`));
      return out;
    },
    submission: (tx: PreparedTx) => post('tx', '/txs', JSON.stringify(tx.payload)),
    malformed: () => malformed,
    oversized: () => oversized,
    unknownRoutes: () => unknownRoutes,
    slowBody: () => slowBody,
    answer(status: number): ApiAnswer {
      if (status >= 200 && status < 300) return 'accepted';
      if (status === 429) return 'rate_limited';
      if (status === 503) return 'overloaded';
      if (status >= 400 && status < 500) return 'refused';
      return 'failed';
    },
    async startedAt(client: ChainClient, opts?: RequestOptions): Promise<number | undefined> {
      if (!client.metrics) return undefined;
      return parseStartTime(await client.metrics(opts));
    },
  };
}
