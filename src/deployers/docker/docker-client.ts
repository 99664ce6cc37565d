/**
 * The one door to the container engine: every docker module asks here for testcontainers'
 * runtime client, so the Ryuk decision and the reachability probe live in one place.
 */
import { type ContainerRuntimeClient, getContainerRuntimeClient, ImageName } from 'testcontainers';

const defaultRyukImage = 'testcontainers/ryuk:0.14.0';

// Inside a container (a `/.dockerenv` file) testcontainers addresses the engine's bridge
// gateway (e.g. 172.17.0.1). chainlab publishes every port on 127.0.0.1 only and never
// addresses any other IP, so its readiness probes use loopback too. Set at import, before
// testcontainers creates its (cached) client anywhere.
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';

let clientPromise: Promise<ContainerRuntimeClient> | undefined;

/**
 * testcontainers' runtime client, with Ryuk settled first.
 *
 * chainlab removes what it starts itself (labels + cleanup registry + sweeper), so Ryuk is
 * only a second safety net. Without a registry it cannot be pulled and every build/start
 * would fail, so when `TESTCONTAINERS_RYUK_DISABLED` is unset it is disabled unless the
 * Ryuk image is already present locally.
 */
export function dockerClient(): Promise<ContainerRuntimeClient> {
  clientPromise ??= (async () => {
    const client = await getContainerRuntimeClient();
    if (process.env.TESTCONTAINERS_RYUK_DISABLED === undefined) {
      const ryuk = process.env.RYUK_CONTAINER_IMAGE ?? defaultRyukImage;
      const present = await client.image
        .inspect(ImageName.fromString(ryuk))
        .then(() => true)
        .catch(() => false);
      if (!present) process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
    }
    return client;
  })();
  // A failed probe must not poison later calls (the engine may come up later).
  clientPromise.catch(() => {
    clientPromise = undefined;
  });
  return clientPromise;
}

/** Whether a container engine answers, and why not when it does not. */
export type DockerAvailability =
  | { available: true; client: ContainerRuntimeClient }
  | { available: false; reason: string };

/** Probes the container engine without throwing. */
export async function dockerAvailability(): Promise<DockerAvailability> {
  try {
    const client = await dockerClient();
    await client.container.dockerode.ping();
    return { available: true, client };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { available: false, reason: `no Docker engine reachable (${detail})` };
  }
}
