/** The docker deployer: deployer, image builder, sweeper. Re-exports only. */
export { type ContainerNode, DEFAULT_CONTAINER_STOP_GRACE_MS } from './container-node.ts';
export { type DockerAvailability, dockerAvailability, dockerClient } from './docker-client.ts';
export { type DockerDeployerOptions, dockerControls, dockerDeployer } from './docker-deployer.ts';
export { type BuildImageOptions, type BuiltImage, buildImage, imageTag, removeImage } from './image.ts';
export type { ImageDir, ImageFile, ImageRecipe, ImageUser } from './image-recipe.ts';
export { defaultImageUser } from './image-recipe.ts';
export { labelKeys } from './labels.ts';
export { imageAppDir, imageDataDir, type NodeAppImageOptions, nodeAppImage } from './node-app-image.ts';
export {
  imageNodePath,
  libfaketimePath,
  nodeRuntimeFiles,
  toolchainNodeBinary,
} from './node-runtime-files.ts';
export { removeRunResources, type SweepOptions, type SweepReport, sweepDeadRuns } from './sweeper.ts';
