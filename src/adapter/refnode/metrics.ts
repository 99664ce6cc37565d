/**
 * Reading refnode's tx counters out of its Prometheus text (`GET /metrics`): the only place
 * that knows refnode's metric names.
 */
import type { TxCounters } from '../types.ts';
import { refnodeReason } from './reasons.ts';

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/;

/**
 * Sums `refnode_txs_included_total`, `refnode_mempool_evictions_total` and
 * `refnode_mempool_rejections_total{reason}` (missing metrics count 0).
 *
 * @example
 * parseTxCounters('refnode_txs_included_total{node="val-0"} 12\n'); // { included: 12, evicted: 0, rejected: {} }
 */
export function parseTxCounters(text: string): TxCounters {
  const out: TxCounters = { included: 0, evicted: 0, rejected: {} };
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    if (m[1] === 'refnode_txs_included_total') out.included += value;
    else if (m[1] === 'refnode_mempool_evictions_total') out.evicted += value;
    else if (m[1] === 'refnode_mempool_rejections_total') {
      const reason = refnodeReason(/reason="([^"]*)"/.exec(m[2] ?? '')?.[1] ?? 'unknown');
      out.rejected[reason] = (out.rejected[reason] ?? 0) + value;
    }
  }
  return out;
}

/**
 * When the node's process started (epoch ms, whole seconds), from prom-client's
 * `refnode_process_process_start_time_seconds`; undefined when absent.
 *
 * @example
 * parseStartTime('refnode_process_process_start_time_seconds 1764600000\n'); // 1764600000000
 */
export function parseStartTime(text: string): number | undefined {
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (m?.[1] !== 'refnode_process_process_start_time_seconds') continue;
    const seconds = Number(m[3]);
    return Number.isFinite(seconds) ? seconds * 1000 : undefined;
  }
  return undefined;
}
