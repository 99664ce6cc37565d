/** The k8s deployer: deployer, options, manifests, sweeper. Re-exports only. */
export { type ChainFile, type ChainFileMounts, chainFileMounts } from './chain-files.ts';
export { isolationPolicyManifest } from './isolation-policy.ts';
export { K8sApi, loadKubeConfig } from './k8s-api.ts';
export { type K8sDeployerOptions, k8sControls, k8sDeployer } from './k8s-deployer.ts';
export { DEFAULT_K8S_STOP_GRACE_MS, K8sNode } from './k8s-node.ts';
export {
  type K8sOptions,
  k8sOptionsSchema,
  type ResolvedK8sOptions,
  resolveK8sOptions,
} from './k8s-options.ts';
export { type K8sSweepOptions, type K8sSweepReport, removeK8sRun, sweepDeadK8sRuns } from './k8s-sweeper.ts';
export {
  type LinkProxyPodSpec,
  linkProxyPodManifest,
  linkProxyServiceManifest,
} from './link-proxy-manifests.ts';
export type { ManifestContext } from './manifest-context.ts';
export { namespaceManifest } from './namespace-manifest.ts';
export { CLOCK_FILE, clockFileContent, podClockEnv } from './pod-clock.ts';
export { type NodePodSpec, podManifest } from './pod-manifest.ts';
export { serviceManifest } from './service-manifest.ts';
export { volumeClaimManifest } from './volume-claim-manifest.ts';
