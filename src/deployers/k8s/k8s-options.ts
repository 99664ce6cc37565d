/**
 * Options of the `k8s` deployer: one zod schema is the source of the type, the defaults
 * and the "allowed" text of every error. Values come from the cluster option `k8s` and,
 * for what a user sets per shell or CI job, from `CHAINLAB_K8S_*` environment variables
 * (the option wins over the environment, as for `deployer`).
 */
import { z } from 'zod';
import type { ConfigIssue } from '../../support/errors.ts';
import { type AllowedText, toConfigIssues } from '../../support/validate.ts';

/** A DNS-1123 label prefix: lowercase letters, digits and `-`, starting with a letter. */
const prefixPattern = /^[a-z]([-a-z0-9]{0,18}[a-z0-9])?$/;

/** Kubernetes quantities such as `1Gi`, `500Mi`, `2G`. */
const quantityPattern = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

/** The `k8s` option: every field optional, defaults listed in {@link K8sOptions}. */
export const k8sOptionsSchema = z.strictObject({
  kubeconfig: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
  namespacePrefix: z.string().regex(prefixPattern).default('chainlab'),
  namespaceLabels: z.record(z.string().min(1), z.string()).default({}),
  image: z.string().min(1).optional(),
  linksImage: z.string().min(1).optional(),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
  imagePullSecrets: z.array(z.string().min(1)).default([]),
  signalImage: z.string().min(1).default('busybox:1.37'),
  storageClass: z.string().min(1).optional(),
  storageSize: z.string().regex(quantityPattern).default('1Gi'),
  runAs: z
    .strictObject({ user: z.int().min(0).max(2_147_483_647), group: z.int().min(0).max(2_147_483_647) })
    .nullable()
    .default({ user: 1000, group: 1000 }),
  apiAccess: z.enum(['port-forward', 'service']).default('port-forward'),
  serviceUrl: z
    .string()
    .includes('{service}')
    .default('http://{service}.{namespace}.svc.cluster.local:{port}'),
  enforcesNetworkPolicy: z.boolean().default(false),
  deleteTimeoutMs: z.int().min(1000).max(600_000).default(120_000),
  sweep: z.boolean().default(true),
});

/**
 * How chainlab reaches a Kubernetes cluster and lays nodes out in it.
 *
 * @example
 * cluster({ deployer: 'k8s', k8s: { context: 'kind-chainlab', image: 'localhost:5001/chainlab/refnode:dev' } })
 */
export interface K8sOptions {
  /** Kubeconfig file. Default: `KUBECONFIG`, else `~/.kube/config`, else the in-cluster service account. */
  kubeconfig?: string;
  /** Context of the kubeconfig to use. Default: its current context. Env `CHAINLAB_K8S_CONTEXT`. */
  context?: string;
  /** Namespaces are `<prefix>-<run id>-<cluster>`. Default `chainlab`. Env `CHAINLAB_K8S_NAMESPACE_PREFIX`. */
  namespacePrefix?: string;
  /** Extra labels on every namespace (e.g. Pod Security admission levels). Default none. */
  namespaceLabels?: Record<string, string>;
  /** Image reference pods run. Default: the adapter's `ImageSpec.name`. Env `CHAINLAB_K8S_IMAGE`. */
  image?: string;
  /**
   * Image reference of the link proxy's pod (clusters with `links: true`). Default: the
   * proxy's `ImageSpec.name` (`chainlab/links`). Env `CHAINLAB_K8S_LINKS_IMAGE`.
   */
  linksImage?: string;
  /** Default `IfNotPresent` (an image loaded into kind or k3s is used as is). */
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /** Secrets (in the test namespace's service account's reach) to pull private images. Default none. */
  imagePullSecrets?: string[];
  /** Image of the signal sidecar (needs `sh`, `kill`, `tr`, `grep`, `wget`). Default `busybox:1.37`. Env `CHAINLAB_K8S_SIGNAL_IMAGE`. */
  signalImage?: string;
  /** StorageClass of the per-node volumes. Default: the cluster's default class. Env `CHAINLAB_K8S_STORAGE_CLASS`. */
  storageClass?: string;
  /** Size of each node's volume. Default `1Gi`. */
  storageSize?: string;
  /**
   * User and group of the node and its signal sidecar (the sidecar must be the node's user
   * to find and signal it without extra capabilities); the group also owns the data volume
   * (`fsGroup`). `null` leaves both to the images. Default `{ user: 1000, group: 1000 }`,
   * the user of chainlab's images.
   */
  runAs?: { user: number; group: number } | null;
  /**
   * How the test process reaches node APIs: `port-forward` (default; through the API
   * server, works from a laptop) or `service` (the test process runs where Service DNS
   * resolves, e.g. a CI job inside the cluster). Env `CHAINLAB_K8S_API_ACCESS`.
   */
  apiAccess?: 'port-forward' | 'service';
  /** URL of a node API with `apiAccess: 'service'`; `{service}`, `{namespace}`, `{port}` are filled in. */
  serviceUrl?: string;
  /**
   * Whether the cluster's network plugin enforces NetworkPolicy (Calico, Cilium, k3s's
   * kube-router, kindnet ≥ v1.0 …). Only then can nodes be disconnected; it is still proven
   * on every disconnect. Default false. Env `CHAINLAB_K8S_NETWORK_POLICY=enforced`.
   */
  enforcesNetworkPolicy?: boolean;
  /** How long to wait for a namespace to be gone at the end. Default 120 000 ms. */
  deleteTimeoutMs?: number;
  /** Remove namespaces of dead runs before the first cluster. Default true. */
  sweep?: boolean;
}

/** The options after defaults. */
export type ResolvedK8sOptions = z.output<typeof k8sOptionsSchema>;

/** What each `k8s.*` option allows (paths relative to `k8s`). */
export const k8sOptionsAllowed: AllowedText = {
  kubeconfig: 'a kubeconfig file path',
  context: 'a context name of the kubeconfig',
  namespacePrefix: 'lowercase letters, digits or - (1..20, starting with a letter)',
  namespaceLabels: 'an object { [label]: string }',
  image: 'an image reference such as registry.example.com/chainlab/refnode:v1',
  linksImage: 'an image reference such as registry.example.com/chainlab/links:v1',
  imagePullPolicy: `'Always', 'IfNotPresent' or 'Never'`,
  imagePullSecrets: 'a list of Secret names',
  signalImage: 'an image reference with sh, kill, tr, grep and wget (busybox)',
  storageClass: 'a StorageClass name',
  storageSize: 'a quantity such as 1Gi or 500Mi',
  runAs: 'an object { user, group } of ids ≥ 0, or null',
  'runAs.user': 'a user id ≥ 0',
  'runAs.group': 'a group id ≥ 0',
  apiAccess: `'port-forward' or 'service'`,
  serviceUrl: 'a URL template containing {service} (and optionally {namespace}, {port})',
  enforcesNetworkPolicy: 'true or false',
  deleteTimeoutMs: 'an integer 1000..600000 (ms)',
  sweep: 'true or false',
  '*': `one of ${Object.keys(k8sOptionsSchema.shape).join(', ')}`,
};

/** Environment variables and the option each sets. */
const envOptions = {
  CHAINLAB_K8S_CONTEXT: 'context',
  CHAINLAB_K8S_NAMESPACE_PREFIX: 'namespacePrefix',
  CHAINLAB_K8S_IMAGE: 'image',
  CHAINLAB_K8S_LINKS_IMAGE: 'linksImage',
  CHAINLAB_K8S_SIGNAL_IMAGE: 'signalImage',
  CHAINLAB_K8S_STORAGE_CLASS: 'storageClass',
  CHAINLAB_K8S_API_ACCESS: 'apiAccess',
} as const;

/** Reads `CHAINLAB_K8S_*`; values are checked by the same schema as the option. */
function fromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(envOptions)) {
    const value = env[name];
    if (value !== undefined && value !== '') out[option] = value;
  }
  const policy = env.CHAINLAB_K8S_NETWORK_POLICY;
  if (policy !== undefined && policy !== '') {
    out.enforcesNetworkPolicy = policy === 'enforced' ? true : policy === 'none' ? false : policy;
  }
  return out;
}

/** The environment variable that set `option`, for error paths. */
function envNameOf(option: string): string {
  if (option === 'enforcesNetworkPolicy') return 'CHAINLAB_K8S_NETWORK_POLICY';
  return Object.entries(envOptions).find(([, o]) => o === option)?.[0] ?? option;
}

/**
 * Validates the `k8s` option merged over the environment. Returns the resolved options or
 * the problems, each named `k8s.<field>` (option) or `CHAINLAB_K8S_…` (environment).
 */
export function resolveK8sOptions(
  input: unknown,
  env: NodeJS.ProcessEnv = process.env,
): { options: ResolvedK8sOptions; issues: [] } | { options: undefined; issues: ConfigIssue[] } {
  const envValues = fromEnv(env);
  const given = (input ?? {}) as Record<string, unknown>;
  const merged = typeof given === 'object' && given !== null ? { ...envValues, ...given } : given;
  const result = k8sOptionsSchema.safeParse(merged);
  if (result.success) return { options: result.data, issues: [] };
  const issues = toConfigIssues(result.error.issues, merged, k8sOptionsAllowed, 'k8s').map((issue) => {
    const field = issue.path.replace(/^k8s\./, '').split(/[.[]/, 1)[0]!;
    const fromEnvironment = field in envValues && !(field in given);
    if (!fromEnvironment) return issue;
    const allowed = field === 'enforcesNetworkPolicy' ? `'enforced' or 'none'` : issue.allowed;
    return { ...issue, path: envNameOf(field), allowed };
  });
  return { options: undefined, issues };
}
