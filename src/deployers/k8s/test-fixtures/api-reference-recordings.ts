/**
 * RECORDED REQUEST/RESPONSE PAIRS TAKEN FROM THE KUBERNETES API REFERENCE.
 *
 * Each pair is one call the k8s deployer makes, with the request and the answer written as
 * the API reference and API concepts pages document them (kubernetes.io/docs/reference/
 * kubernetes-api/ and /docs/reference/using-api/api-concepts/): status codes, the `Status`
 * object of a failure with its `reason` and message wording, list and watch-event framing,
 * the exec status channel and the port-forward port header. Fields the server generates
 * are written as placeholders (`<uid>`, `<resourceVersion>`, `<timestamp>`, `<ip>`), which the
 * replay test matches by form.
 *
 * The test API server (fake-api-server.ts) must answer every recorded request exactly so
 * (api-reference-recordings.test.ts replays them); the deployer's own tests then run the
 * real @kubernetes/client-node against that server over HTTP and WebSocket.
 */

/** One recorded exchange. `steps` run in order against one fresh server. */
export interface RecordedExchange {
  title: string;
  /** The API reference page the shape comes from. */
  reference: string;
  request: { method: 'GET' | 'POST' | 'DELETE'; path: string; body?: unknown };
  response: { status: number; body: unknown };
}

const ns = 'chainlab-1-abc-def012-cluster-1';

const nsLabels = { 'app.kubernetes.io/managed-by': 'chainlab', 'chainlab.run': '1-abc-def012' };

/** Namespace lifecycle: create, conflict, read, list by label, delete, read while terminating. */
export const namespaceExchanges: RecordedExchange[] = [
  {
    title: 'create a namespace: 201 with uid, resourceVersion, creationTimestamp and phase Active',
    reference:
      'https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/namespace-v1/#create-create-a-namespace',
    request: {
      method: 'POST',
      path: '/api/v1/namespaces?fieldValidation=Strict',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: nsLabels } },
    },
    response: {
      status: 201,
      body: {
        kind: 'Namespace',
        apiVersion: 'v1',
        metadata: {
          name: ns,
          uid: '<uid>',
          resourceVersion: '<resourceVersion>',
          creationTimestamp: '<timestamp>',
          labels: { ...nsLabels, 'kubernetes.io/metadata.name': ns },
        },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      },
    },
  },
  {
    title: 'create it again: 409 AlreadyExists',
    reference:
      'https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions (Status, reason AlreadyExists)',
    request: {
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    },
    response: {
      status: 409,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `namespaces "${ns}" already exists`,
        reason: 'AlreadyExists',
        details: { name: ns, kind: 'namespaces' },
        code: 409,
      },
    },
  },
  {
    title: 'list namespaces by label: a NamespaceList with the list resourceVersion',
    reference:
      'https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/namespace-v1/#list-list-or-watch-objects-of-kind-namespace',
    request: { method: 'GET', path: '/api/v1/namespaces?labelSelector=chainlab.run%3D1-abc-def012' },
    response: {
      status: 200,
      body: {
        kind: 'NamespaceList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '<resourceVersion>' },
        items: [
          {
            metadata: {
              name: ns,
              uid: '<uid>',
              resourceVersion: '<resourceVersion>',
              creationTimestamp: '<timestamp>',
              labels: { ...nsLabels, 'kubernetes.io/metadata.name': ns },
            },
            spec: { finalizers: ['kubernetes'] },
            status: { phase: 'Active' },
          },
        ],
      },
    },
  },
  {
    title: 'delete the namespace: 200 with the namespace, now Terminating',
    reference:
      'https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/namespace-v1/#delete-delete-a-namespace',
    request: { method: 'DELETE', path: `/api/v1/namespaces/${ns}?propagationPolicy=Background` },
    response: {
      status: 200,
      body: {
        kind: 'Namespace',
        apiVersion: 'v1',
        metadata: {
          name: ns,
          uid: '<uid>',
          resourceVersion: '<resourceVersion>',
          creationTimestamp: '<timestamp>',
          deletionTimestamp: '<timestamp>',
          labels: { ...nsLabels, 'kubernetes.io/metadata.name': ns },
        },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Terminating' },
      },
    },
  },
];

/** Pods: not found, create, list, exec status, port-forward header. */
export const podExchanges: RecordedExchange[] = [
  {
    title: 'read a pod that is not there: 404 NotFound',
    reference:
      'https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#read-read-the-specified-pod',
    request: { method: 'GET', path: `/api/v1/namespaces/${ns}/pods/val-0` },
    response: {
      status: 404,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'pods "val-0" not found',
        reason: 'NotFound',
        details: { name: 'val-0', kind: 'pods' },
        code: 404,
      },
    },
  },
  {
    title: 'create a pod in a namespace that does not exist: 404 NotFound naming the namespace',
    reference:
      'https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#create-create-a-pod',
    request: {
      method: 'POST',
      path: '/api/v1/namespaces/nowhere/pods',
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'val-0' },
        spec: { containers: [{ name: 'node', image: 'x' }] },
      },
    },
    response: {
      status: 404,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'namespaces "nowhere" not found',
        reason: 'NotFound',
        details: { name: 'nowhere', kind: 'namespaces' },
        code: 404,
      },
    },
  },
  {
    title: 'list pods: a PodList with the list resourceVersion (what a watch starts from)',
    reference:
      'https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#list-list-or-watch-objects-of-kind-pod',
    request: { method: 'GET', path: '/api/v1/namespaces/default/pods?labelSelector=chainlab.run' },
    response: {
      status: 200,
      body: {
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '<resourceVersion>' },
        items: [],
      },
    },
  },
];

/** The server's version and one access review. */
export const clusterExchanges: RecordedExchange[] = [
  {
    title: 'server version',
    reference: 'https://kubernetes.io/docs/reference/using-api/ (GET /version, version.Info)',
    request: { method: 'GET', path: '/version' },
    response: {
      status: 200,
      body: {
        major: '1',
        minor: '34',
        gitVersion: 'v1.34.1',
        gitCommit: '93248f9ae092f571eb870b7664c534bfc7d00f03',
        gitTreeState: 'clean',
        buildDate: '2025-09-09T19:36:19Z',
        goVersion: 'go1.24.6',
        compiler: 'gc',
        platform: 'linux/amd64',
      },
    },
  },
  {
    title: 'may I create pods/exec in the namespace? SelfSubjectAccessReview answers in status',
    reference:
      'https://kubernetes.io/docs/reference/kubernetes-api/authorization-resources/self-subject-access-review-v1/',
    request: {
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: {
          resourceAttributes: {
            namespace: ns,
            group: '',
            resource: 'pods',
            verb: 'create',
            subresource: 'exec',
          },
        },
      },
    },
    response: {
      status: 201,
      body: {
        kind: 'SelfSubjectAccessReview',
        apiVersion: 'authorization.k8s.io/v1',
        metadata: { creationTimestamp: null },
        spec: {
          resourceAttributes: {
            namespace: ns,
            group: '',
            resource: 'pods',
            verb: 'create',
            subresource: 'exec',
          },
        },
        status: {
          allowed: true,
          reason:
            'RBAC: allowed by ClusterRoleBinding "chainlab-e2e" of ClusterRole "chainlab-deployer" to User "chainlab"',
        },
      },
    },
  },
];

/** A watch event line: `{"type":…,"object":…}`, one JSON object per line. */
export const watchEventFrame = {
  reference: 'https://kubernetes.io/docs/reference/kubernetes-api/definitions/watch-event-v1-meta/',
  example: { type: 'ADDED', object: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'val-0' } } },
};

/**
 * Exec over WebSocket (`v4.channel.k8s.io`): every frame starts with its channel byte (1
 * stdout, 2 stderr, 3 status); the status channel carries a `Status`.
 */
export const execStatusFrames = {
  reference:
    'https://kubernetes.io/docs/reference/using-api/api-concepts/ and the kubelet streaming protocol (channel.k8s.io)',
  success: { metadata: {}, status: 'Success' },
  /** What `sh -c 'exit 3'` ends with. */
  exit3: {
    metadata: {},
    status: 'Failure',
    message:
      'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: '3' }] },
  },
};

/** Port-forward over WebSocket: data channel 0 and error channel 1, each opening with the port (uint16 LE). */
export const portForwardHeader = {
  reference: 'the kubelet port-forward WebSocket protocol (v4.channel.k8s.io)',
  port: 8080,
  dataFrame: [0, 0x90, 0x1f],
  errorFrame: [1, 0x90, 0x1f],
};
