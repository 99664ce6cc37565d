/**
 * Everything the k8s deployer takes from the rest of chainlab's cluster layer, in one
 * place: the deployer interface it implements and the shared helpers (labels and owner
 * liveness, log tails, free ports, libfaketime's environment, the link proxy's name). When that interface or those helpers move or are
 * renamed, this file is the only one to change.
 */
export type { ContainerLaunch, LaunchSpec, NodeRole } from '../../adapter/types.ts';
export { LINK_PROXY_NAME } from '../../links/proxy-launch.ts';
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
} from '../deployer.ts';
export {
  isRunAlive,
  labelKeys,
  ownerOf,
  processStartTime,
  type RunOwner,
} from '../docker/labels.ts';
export { faketimeEnv, faketimeOffset, OFFSET_FILE } from '../faketime.ts';
export { freePort } from '../local/free-port.ts';
export { tailFile } from '../local/log-file.ts';
