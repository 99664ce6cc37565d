import { expect, test } from 'vitest';
import { parseStartTime, parseTxCounters } from './metrics.ts';

test('tx counters come out of refnode’s Prometheus text', () => {
  const text = [
    '# HELP refnode_txs_included_total Txs in blocks added to the best chain',
    '# TYPE refnode_txs_included_total counter',
    'refnode_txs_included_total{node="val-0"} 412',
    'refnode_mempool_evictions_total{node="val-0"} 37',
    'refnode_mempool_rejections_total{reason="mempool_full",node="val-0"} 120',
    'refnode_mempool_rejections_total{reason="bad_nonce",node="val-0"} 3',
    'refnode_mempool_size{node="val-0"} 150',
    'refnode_process_cpu_seconds_total{node="val-0"} 1.5',
  ].join('\n');
  expect(parseTxCounters(text)).toEqual({
    included: 412,
    evicted: 37,
    rejected: { mempool_full: 120, bad_nonce: 3 },
  });
  expect(parseTxCounters('')).toEqual({ included: 0, evicted: 0, rejected: {} });
});

test('the process start time comes out of prom-client’s default metrics, in ms', () => {
  const text = [
    '# HELP refnode_process_process_start_time_seconds Start time of the process since unix epoch in seconds.',
    '# TYPE refnode_process_process_start_time_seconds gauge',
    'refnode_process_process_start_time_seconds{node="val-0"} 1764600000',
  ].join('\n');
  expect(parseStartTime(text)).toBe(1_764_600_000_000);
  expect(parseStartTime('refnode_block_height 3\n')).toBeUndefined();
});
