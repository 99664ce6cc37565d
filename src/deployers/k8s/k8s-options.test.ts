/** The `k8s` option: defaults, the environment, and one error naming every bad field. */
import { describe, expect, it } from 'vitest';
import { resolveClusterOptions } from '../../cluster/options.ts';
import { ConfigError } from '../../support/errors.ts';
import { k8sControls } from './k8s-deployer.ts';
import { resolveK8sOptions } from './k8s-options.ts';

describe('k8s options', () => {
  it('defaults: port-forwarding, busybox sidecar, 1Gi claims, user 1000, no NetworkPolicy, clock skew', () => {
    const r = resolveK8sOptions(undefined, {});
    expect(r.options).toMatchObject({
      namespacePrefix: 'chainlab',
      apiAccess: 'port-forward',
      signalImage: 'busybox:1.37',
      storageSize: '1Gi',
      imagePullPolicy: 'IfNotPresent',
      runAs: { user: 1000, group: 1000 },
      enforcesNetworkPolicy: false,
      sweep: true,
    });
    expect(r.options?.linksImage).toBeUndefined();
    // disconnect needs a network plugin that enforces NetworkPolicy; clock skew needs nothing of the cluster
    expect([...k8sControls(r.options!)].sort()).toEqual([
      'clock-skew',
      'kill',
      'pause',
      'restart',
      'resume',
      'start',
      'stop',
    ]);
    expect(k8sControls({ enforcesNetworkPolicy: true }).has('disconnect')).toBe(true);
  });

  it('reads CHAINLAB_K8S_*, and the option wins over the environment', () => {
    const env = {
      CHAINLAB_K8S_CONTEXT: 'kind-chainlab',
      CHAINLAB_K8S_IMAGE: 'localhost:5001/chainlab/refnode:dev',
      CHAINLAB_K8S_LINKS_IMAGE: 'localhost:5001/chainlab/links:dev',
      CHAINLAB_K8S_NETWORK_POLICY: 'enforced',
      CHAINLAB_K8S_API_ACCESS: 'service',
    };
    expect(resolveK8sOptions({}, env).options).toMatchObject({
      context: 'kind-chainlab',
      image: 'localhost:5001/chainlab/refnode:dev',
      linksImage: 'localhost:5001/chainlab/links:dev',
      enforcesNetworkPolicy: true,
      apiAccess: 'service',
    });
    expect(resolveK8sOptions({ context: 'k3s' }, env).options?.context).toBe('k3s');
  });

  it('names every bad field, by option path or by environment variable', () => {
    const r = resolveK8sOptions(
      { storageSize: 'lots', runAs: { user: -1, group: 0 }, apiAcces: 'service' },
      { CHAINLAB_K8S_NETWORK_POLICY: 'yes', CHAINLAB_K8S_NAMESPACE_PREFIX: 'Chain_Lab' },
    );
    expect(r.issues).toEqual([
      {
        path: 'CHAINLAB_K8S_NAMESPACE_PREFIX',
        value: 'Chain_Lab',
        allowed: 'lowercase letters, digits or - (1..20, starting with a letter)',
      },
      { path: 'k8s.storageSize', value: 'lots', allowed: 'a quantity such as 1Gi or 500Mi' },
      { path: 'k8s.runAs.user', value: -1, allowed: 'a user id ≥ 0' },
      { path: 'CHAINLAB_K8S_NETWORK_POLICY', value: 'yes', allowed: `'enforced' or 'none'` },
      {
        path: 'k8s.apiAcces',
        value: 'service',
        allowed: expect.stringContaining('one of kubeconfig, context,'),
      },
    ]);
  });

  it('is part of the cluster options: deployer k8s from the environment, problems in one ConfigError', () => {
    const ok = resolveClusterOptions({}, { CHAINLAB_DEPLOYER: 'k8s', CHAINLAB_K8S_CONTEXT: 'kind-x' });
    expect(ok.deployer).toBe('k8s');
    expect(ok.k8s?.context).toBe('kind-x');
    // the k8s environment is read only for the k8s deployer
    expect(resolveClusterOptions({}, { CHAINLAB_K8S_CONTEXT: 'kind-x' }).k8s).toBeUndefined();
    let error: unknown;
    try {
      resolveClusterOptions(
        { validators: 0, deployer: 'k8s', k8s: { imagePullPolicy: 'Sometimes' as never } },
        {},
      );
    } catch (e) {
      error = e;
    }
    expect(ConfigError.is(error)).toBe(true);
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual(['validators', 'k8s.imagePullPolicy']);
  });
});
