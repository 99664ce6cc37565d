/**
 * Everything the k8s deployer takes from the rest of chainlab's cluster layer, in one
 * place: the runtime interface it implements and the shared helpers (labels and owner
 * liveness, log tails, free ports). When that interface or those helpers move or are
 * renamed, this file is the only one to change.
 */
export type { LaunchSpec, NodeRole } from '../../adapter/types.ts';
export {
  isRunAlive,
  labelKeys,
  ownerOf,
  processStartTime,
  type RunOwner,
} from '../../cluster/docker/labels.ts';
export { freePort } from '../../cluster/local/free-port.ts';
export { tailFile } from '../../cluster/local/log-file.ts';
export type {
  ExitInfo,
  NodeAllocation,
  NodeControl,
  NodeRuntime,
  NodeState,
  RunningNode,
  RuntimeContext,
  RuntimeFactory,
  RuntimeNodeSpec,
  StartOptions,
} from '../../cluster/runtime.ts';
