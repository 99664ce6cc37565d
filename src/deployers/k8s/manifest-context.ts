/** What every manifest builder needs to know about the cluster it builds for. */
import type { ResolvedK8sOptions } from './k8s-options.ts';

export interface ManifestContext {
  /** Namespace of the cluster (one per cluster, so one per test file). */
  namespace: string;
  runId: string;
  clusterName: string;
  options: ResolvedK8sOptions;
}
