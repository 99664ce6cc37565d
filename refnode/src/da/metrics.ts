import { Counter, Gauge, type Registry } from 'prom-client';

/** DA Prometheus metrics (prefix `refnode_da_`). */
export interface DaMetrics {
  blobsReceived: Counter;
  blobsDispersed: Counter;
  blobsCertified: Counter;
  blobsIncluded: Counter;
  retrievals: Counter;
  retrievalFailures: Counter;
  chunksStored: Counter;
  certificatePool: Gauge;
  requests: Counter<'direction' | 'kind' | 'outcome'>;
  gossip: Counter<'verdict'>;
}

/** Registers the DA metrics on the node's registry (replacing same-named ones from an earlier start in this process). */
export function createDaMetrics(registry: Registry): DaMetrics {
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: L[] = []) => {
    registry.removeSingleMetric(name);
    return new Counter<L>({ name, help, labelNames, registers });
  };
  registry.removeSingleMetric('refnode_da_certificate_pool_size');
  return {
    blobsReceived: counter('refnode_da_blobs_received_total', 'Blobs accepted by POST /da/blobs (executors)'),
    blobsDispersed: counter(
      'refnode_da_blobs_dispersed_total',
      'Blobs whose chunks every validator attested (executors)',
    ),
    blobsCertified: counter(
      'refnode_da_blobs_certified_total',
      'Blobs this executor obtained a certificate for',
    ),
    blobsIncluded: counter(
      'refnode_da_blobs_included_total',
      'Blob certificates in blocks that joined the best chain',
    ),
    retrievals: counter('refnode_da_retrievals_total', 'Blobs rebuilt from chunks held by other nodes'),
    retrievalFailures: counter(
      'refnode_da_retrieval_failures_total',
      'Blob retrievals that failed (unavailable or inconsistent)',
    ),
    chunksStored: counter('refnode_da_chunks_stored_total', 'Chunks accepted and attested (validators)'),
    certificatePool: new Gauge({
      name: 'refnode_da_certificate_pool_size',
      help: 'Verified certificates waiting for inclusion',
      registers,
    }),
    requests: counter('refnode_da_requests_total', 'DA protocol requests by direction, kind and outcome', [
      'direction',
      'kind',
      'outcome',
    ]),
    gossip: counter('refnode_da_gossip_received_total', 'Certificate gossip messages by verdict', [
      'verdict',
    ]),
  };
}
