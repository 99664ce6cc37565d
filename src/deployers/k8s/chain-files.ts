/**
 * A node's chain files (genesis, node config) as ConfigMaps: one ConfigMap per distinct
 * content (genesis is shared by every node), mounted through one projected volume per
 * target dir. A ConfigMap holds at most 1 MiB, so a bigger file is refused up front.
 */
import { createHash } from 'node:crypto';
import { basename, dirname } from 'node:path/posix';
import type { V1ConfigMap, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { ChainlabError } from '../../support/errors.ts';
import { k8sLabels } from './k8s-labels.ts';
import type { ManifestContext } from './manifest-context.ts';

/** Largest file content a ConfigMap takes (the API limit is 1 MiB per object, metadata included). */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024 - 16 * 1024;

/** One file a node needs, read from the host. */
export interface ChainFile {
  /** Absolute path in the container. */
  target: string;
  content: Buffer;
}

/** ConfigMaps and how one node mounts them. */
export interface ChainFileMounts {
  configMaps: V1ConfigMap[];
  volumes: V1Volume[];
  mounts: V1VolumeMount[];
}

const KEY = 'content';

function configMapName(content: Buffer): string {
  return `files-${createHash('sha256').update(content).digest('hex').slice(0, 16)}`;
}

function isUtf8Text(content: Buffer): boolean {
  return Buffer.from(content.toString('utf8'), 'utf8').equals(content);
}

function configMap(ctx: ManifestContext, name: string, file: ChainFile): V1ConfigMap {
  const text = isUtf8Text(file.content);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace: ctx.namespace,
      labels: k8sLabels(ctx.runId, 'files', { cluster: ctx.clusterName }),
    },
    // chain files never change while a node runs
    immutable: true,
    ...(text
      ? { data: { [KEY]: file.content.toString('utf8') } }
      : { binaryData: { [KEY]: file.content.toString('base64') } }),
  };
}

/**
 * The ConfigMaps holding `files` and the volumes and mounts that put each file at its
 * target path. Throws a `ChainlabError` naming a file too big for a ConfigMap.
 */
export function chainFileMounts(ctx: ManifestContext, files: readonly ChainFile[]): ChainFileMounts {
  const configMaps = new Map<string, V1ConfigMap>();
  const byDir = new Map<string, { name: string; path: string }[]>();
  for (const file of files) {
    if (file.content.length > MAX_CONFIG_FILE_BYTES) {
      throw new ChainlabError(
        `k8s deployer: ${file.target} is ${file.content.length} bytes; a ConfigMap holds at most ${MAX_CONFIG_FILE_BYTES} (fewer wallets make a smaller genesis)`,
      );
    }
    const name = configMapName(file.content);
    if (!configMaps.has(name)) configMaps.set(name, configMap(ctx, name, file));
    const dir = dirname(file.target);
    byDir.set(dir, [...(byDir.get(dir) ?? []), { name, path: basename(file.target) }]);
  }
  const volumes: V1Volume[] = [];
  const mounts: V1VolumeMount[] = [];
  [...byDir.entries()].forEach(([dir, entries], i) => {
    const volume = `chain-files-${i}`;
    volumes.push({
      name: volume,
      projected: {
        sources: entries.map((e) => ({ configMap: { name: e.name, items: [{ key: KEY, path: e.path }] } })),
      },
    });
    mounts.push({ name: volume, mountPath: dir, readOnly: true });
  });
  return { configMaps: [...configMaps.values()], volumes, mounts };
}
