// chainlab: the public API (re-exports only). Runner entry points: chainlab/vitest, chainlab/jest.

export { defaultAdapter } from './adapter/default-adapter.ts';
export {
  blockRate,
  describeChain,
  expectedSupply,
  facetClient,
  finalHeightOf,
  finalityDepth,
  hasFacet,
  quietSpanMs,
  requireFacet,
} from './adapter/facets.ts';
export { type CanonicalReason, canonicalReasons, isCanonicalReason, toCanonical } from './adapter/reasons.ts';
export { type RefnodeAdapterOptions, refnodeAdapter } from './adapter/refnode/adapter.ts';
export { RefnodeClient, type RefnodeClientOptions } from './adapter/refnode/client.ts';
export {
  anyInvalidTx,
  expectedRejections,
  type InvalidKind,
  type InvalidTxCase,
  invalidKinds,
  invalidTxArbitrary,
  refnodeForger,
} from './adapter/refnode/forger.ts';
export type * from './adapter/types.ts';
export { allFacets } from './adapter/types.ts';
export {
  type Churn,
  type ChurnOptions,
  churn,
  type ExecutedChurn,
  type StartedChurn,
} from './chaos/churn.ts';
export {
  describeStep,
  FaultPlan,
  type FaultPlanOptions,
  type FaultStep,
  type NodeFaultAction,
} from './chaos/fault-plan.ts';
export {
  type ExecutedFault,
  type FaultTargets,
  kills,
  type NodeFaults,
  type NodeFaultsOptions,
  nodeFaults,
  pauses,
  restarts,
  type StartedNodeFaults,
} from './chaos/node-faults.ts';
export { RUN_ENV, runsRoot } from './cluster/cleanup/run.ts';
export { type SweepResult, sweepDeadRuns } from './cluster/cleanup/sweeper.ts';
export { Cluster, cluster } from './cluster/cluster.ts';
export type { AddNodeOptions, RemoveNodeOptions } from './cluster/membership/membership.ts';
export type { ClusterOptions } from './cluster/options.ts';
export { Ready, type ReadyStrategy } from './cluster/ready.ts';
export type { StartClusterOptions } from './cluster/start-cluster.ts';
export { executors, mesh, slots, star, validators, wallets } from './cluster/topology.ts';
export type { DeployerName, NodeRef, StartedCluster, StartedNode } from './cluster/types.ts';
export { type AttachTarget, attachDeployer } from './deployers/attach/attach-deployer.ts';
export type {
  DeployedNode,
  Deployer,
  DeployerContext,
  DeployerFactory,
  DeployNodeSpec,
  ExitInfo,
  NodeAllocation,
  NodeControl,
  NodeState,
  StartOptions,
} from './deployers/deployer.ts';
export { type LocalDeployerOptions, localDeployer } from './deployers/local/local-deployer.ts';
export { type BlobProbeOptions, type ProbeNode, probeBlobs } from './observe/blob-probe.ts';
export { renderHtmlReport, writeHtmlReport } from './observe/html-report/html-report.ts';
export {
  buildReportData,
  type ReportData,
  type ReportDataOptions,
} from './observe/html-report/report-data.ts';
export type { ReportFailure, ReportMeta } from './observe/html-report/report-meta.ts';
export { type StartedObserver, startObserver } from './observe/observer.ts';
export {
  type BlobRecord,
  type BlobRetrieval,
  type FaultWindow,
  Recording,
  type SupplyObservation,
  type TxRecord,
} from './observe/recording.ts';
export { type ReportOptions, renderReport, writeReport } from './observe/report.ts';
export { type Clock, systemClock } from './support/clock.ts';
export {
  AdapterError,
  CapabilityError,
  ChainlabError,
  ClusterStartError,
  ConfigError,
  type ConfigIssue,
  MembershipError,
  NodeControlError,
  WorkloadError,
} from './support/errors.ts';
export { Rng, runSeed } from './support/rng.ts';
export {
  type DataAvailabilityOptions,
  dataAvailability,
  type StartedDataAvailability,
} from './workloads/data-availability.ts';
export { type DivergenceOptions, divergence, type StartedDivergence } from './workloads/divergence.ts';
export {
  type FuzzSummary,
  type InvalidAttempt,
  type InvalidTxsOptions,
  invalidTxs,
  type StartedInvalidTxs,
} from './workloads/invalid-txs.ts';
export {
  awaitInclusion,
  type LoadStep,
  type LoadStepsOptions,
  loadSteps,
  type StartedLoadSteps,
  type StepStats,
  stepStats,
} from './workloads/load-steps.ts';
export {
  type Delivery,
  type PropagationOptions,
  propagation,
  type StartedPropagation,
} from './workloads/propagation.ts';
export { type RampOptions, type RampStep, ramp, type StartedRamp } from './workloads/ramp.ts';
export {
  type Answer,
  type OpenLoop,
  type OpenLoopOptions,
  type PlannedTx,
  paced,
  runOpenLoop,
} from './workloads/runner.ts';
export { type SendTxOptions, sendTx } from './workloads/send.ts';
export {
  type IntRange,
  type StartedTransactions,
  type TransactionsOptions,
  transactions,
} from './workloads/transactions.ts';
export {
  type RetrievalUnderFaults,
  type VerifyRetrievalOptions,
  verifyRetrieval,
} from './workloads/verify-retrieval.ts';
export {
  type StartedLoopWorkload,
  type StartedWorkload,
  startedLoop,
  type Workload,
} from './workloads/workload.ts';
