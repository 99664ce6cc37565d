/**
 * Checks before anything is created that the kubeconfig's user may do what the deployer
 * will do (SelfSubjectAccessReview per verb and resource), so a missing permission fails
 * the run up front with the full list, not halfway through with half a cluster.
 */
import type { V1ResourceAttributes } from '@kubernetes/client-node';
import { ChainlabError } from '../../support/errors.ts';
import { describeApiError, type K8sApi } from './k8s-api.ts';
import type { ResolvedK8sOptions } from './k8s-options.ts';

/** The permissions the deployer needs in `namespace` with `options`. */
export function requiredPermissions(namespace: string, options: ResolvedK8sOptions): V1ResourceAttributes[] {
  const inNs = (resource: string, verb: string, subresource?: string, group = ''): V1ResourceAttributes => ({
    namespace,
    group,
    resource,
    verb,
    ...(subresource === undefined ? {} : { subresource }),
  });
  const out: V1ResourceAttributes[] = [
    { group: '', resource: 'namespaces', verb: 'create' },
    { group: '', resource: 'namespaces', verb: 'delete' },
    { group: '', resource: 'namespaces', verb: 'list' },
    inNs('pods', 'create'),
    inNs('pods', 'delete'),
    inNs('pods', 'list'),
    inNs('pods', 'watch'),
    inNs('pods', 'create', 'exec'),
    inNs('pods', 'get', 'log'),
    inNs('services', 'create'),
    inNs('persistentvolumeclaims', 'create'),
    inNs('configmaps', 'create'),
  ];
  if (options.apiAccess === 'port-forward') out.push(inNs('pods', 'create', 'portforward'));
  if (options.enforcesNetworkPolicy) {
    out.push(inNs('networkpolicies', 'create', undefined, 'networking.k8s.io'));
    out.push(inNs('networkpolicies', 'delete', undefined, 'networking.k8s.io'));
  }
  return out;
}

function describe(attrs: V1ResourceAttributes): string {
  const resource = `${attrs.resource}${attrs.subresource ? `/${attrs.subresource}` : ''}`;
  const group = attrs.group ? `.${attrs.group}` : '';
  return `${attrs.verb} ${resource}${group}${attrs.namespace ? ` in ${attrs.namespace}` : ''}`;
}

/**
 * Reads the server version and checks every permission; throws one `ChainlabError` listing
 * each one denied. Returns the server's `gitVersion` (e.g. `v1.34.1`).
 */
export async function preflight(
  api: K8sApi,
  namespace: string,
  options: ResolvedK8sOptions,
): Promise<string> {
  let version: string;
  try {
    version = (await api.version.getCode()).gitVersion;
  } catch (error) {
    throw new ChainlabError(
      `k8s deployer: cannot reach the cluster at ${api.where}: ${describeApiError(error)}`,
      {
        cause: error,
      },
    );
  }
  const wanted = requiredPermissions(namespace, options);
  const answers = await Promise.all(
    wanted.map((resourceAttributes) =>
      api.authorization
        .createSelfSubjectAccessReview({
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: { resourceAttributes },
          },
        })
        .then(
          (review) => (review.status?.allowed === true ? undefined : `${describe(resourceAttributes)}`),
          (error: unknown) => `${describe(resourceAttributes)} (review failed: ${describeApiError(error)})`,
        ),
    ),
  );
  const denied = answers.filter((a): a is string => a !== undefined);
  if (denied.length > 0) {
    throw new ChainlabError(
      `k8s deployer: the kubeconfig user of ${api.where} may not:\n${denied.map((d) => `  - ${d}`).join('\n')}\n` +
        'grant these (see docs/KUBERNETES.md, "Permissions"), or use another context',
      { shortMessage: `k8s deployer: ${denied.length} missing permission${denied.length === 1 ? '' : 's'}` },
    );
  }
  return version;
}
