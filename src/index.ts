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
export { type LitecoindAdapterOptions, litecoindAdapter } from './adapter/litecoind/adapter.ts';
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
export { refnodeGossip } from './adapter/refnode/gossip-kit.ts';
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
  type ClockSkew,
  type ClockSkewChaosOptions,
  clockSkew,
  type StartedClockSkew,
} from './chaos/clock-skew.ts';
export {
  describeStep,
  FaultPlan,
  type FaultPlanOptions,
  type FaultStep,
  type NodeFaultAction,
} from './chaos/fault-plan.ts';
export {
  describeLinkStep,
  type LinkFaultAction,
  LinkFaultPlan,
  type LinkFaultPlanOptions,
  type LinkFaultStep,
} from './chaos/link-fault-plan.ts';
export {
  type ExecutedLinkFault,
  type LinkFaults,
  type LinkFaultsOptions,
  linkFaults,
  type StartedLinkFaults,
} from './chaos/link-faults.ts';
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
export type { ClockJitter, ClockOffset, ClockSetting, ClockSkewOptions } from './cluster/clock-offset.ts';
export { Cluster, cluster } from './cluster/cluster.ts';
export type { AddNodeOptions, RemoveNodeOptions } from './cluster/membership/membership.ts';
export type { ClusterOptions } from './cluster/options.ts';
export { Ready, type ReadyStrategy } from './cluster/ready.ts';
export type { StartClusterOptions } from './cluster/start-cluster.ts';
export { executors, mesh, slots, star, validators, wallets } from './cluster/topology.ts';
export type {
  DeployerName,
  NodeClockOptions,
  NodeRef,
  StartedCluster,
  StartedNode,
} from './cluster/types.ts';
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
export type { LatencyOptions, LatencyTier, LinkSelection, LinkSettings } from './links/link-settings.ts';
export type { ProbeResult, ProxyFlowStatus, ProxyLinkStatus } from './links/proxy-client.ts';
export type { JoiningNode, LinkFault, StartedLinks } from './links/types.ts';
export { type BlobProbeOptions, type ProbeNode, probeBlobs } from './observe/blob-probe.ts';
export {
  type BlockPropagationOptions,
  blockPropagation,
  type OrphanFigures,
  orphanRate,
  type PropagationFigures,
  tierPropagation,
} from './observe/block-propagation.ts';
export {
  type AnswerCounts,
  describeFloodOutcome,
  describeProbe,
  type FloodNodeOutcome,
  type FloodOutcome,
  floodOutcome,
  type Percentiles,
  type ProbeNodeSummary,
  probeSummary,
} from './observe/flood-summary.ts';
export { renderHtmlReport, writeHtmlReport } from './observe/html-report/html-report.ts';
export {
  buildReportData,
  type ReportData,
  type ReportDataOptions,
} from './observe/html-report/report-data.ts';
export type { ReportFailure, ReportMeta } from './observe/html-report/report-meta.ts';
export { type LatencyHistogram, quantileOf } from './observe/latency-histogram.ts';
export { type StartedObserver, startObserver } from './observe/observer.ts';
export {
  type BlobRecord,
  type BlobRetrieval,
  type ClockSample,
  type FaultWindow,
  type FloodRecord,
  type FloodRow,
  type GossipPeerRecord,
  type GossipSample,
  type GossipTxRecord,
  type LinkChange,
  type ProbeObservation,
  type ProbeRecord,
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
  LinkFaultError,
  MembershipError,
  NodeControlError,
  WorkloadError,
} from './support/errors.ts';
export { Rng, runSeed } from './support/rng.ts';
export {
  type ApiFlood,
  type ApiFloodOptions,
  apiFlood,
  defaultFloodMix,
  type StartedApiFlood,
} from './workloads/api-flood/api-flood.ts';
export {
  type ControlProbe,
  type ControlProbeOptions,
  controlProbe,
  type StartedControlProbe,
} from './workloads/api-flood/control-probe.ts';
export type { FloodMix } from './workloads/api-flood/plan.ts';
export {
  type ByzantinePeerOptions,
  type ByzantineSummary,
  byzantinePeer,
  type GossipAttempt,
  type StartedByzantinePeer,
} from './workloads/byzantine/byzantine-peer.ts';
export {
  type ByzantineKind,
  type ByzantineMix,
  byzantineKinds,
  defaultMix,
} from './workloads/byzantine/mix.ts';
export {
  type DataAvailabilityOptions,
  dataAvailability,
  type StartedDataAvailability,
} from './workloads/data-availability.ts';
export { type DivergenceOptions, divergence, type StartedDivergence } from './workloads/divergence.ts';
export {
  type DoubleSpendsOptions,
  doubleSpends,
  type StartedDoubleSpends,
} from './workloads/double-spends.ts';
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
  startedWorkload,
  type Workload,
  type WorkloadOwner,
  type WorkloadRun,
} from './workloads/workload.ts';
