/**
 * A TEST API SERVER that speaks the Kubernetes API wire format for the handful of resources
 * the k8s deployer uses (namespaces, pods, services, persistentvolumeclaims, configmaps,
 * networkpolicies, selfsubjectaccessreviews, version, discovery), with list + watch
 * (newline-delimited watch events from a resource version), and the pod subresources exec,
 * portforward (WebSocket, `v4.channel.k8s.io`) and log (follow). Its answers follow the
 * recorded pairs in api-reference-recordings.ts, which its own test replays.
 *
 * What a kubelet would do (run containers, probe readiness, deliver exec and port-forward)
 * is delegated to a {@link PodRuntime} (fake-kubelet.ts). It is not Kubernetes: no
 * scheduler, no admission, no NetworkPolicy enforcement (like a cluster whose network
 * plugin does not enforce it).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';

/** A stored object (plain JSON). */
export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    labels?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
};

interface ResourceKind {
  resource: string;
  kind: string;
  apiVersion: string;
  namespaced: boolean;
}

const resourceKinds: Record<string, ResourceKind> = {
  namespaces: { resource: 'namespaces', kind: 'Namespace', apiVersion: 'v1', namespaced: false },
  pods: { resource: 'pods', kind: 'Pod', apiVersion: 'v1', namespaced: true },
  services: { resource: 'services', kind: 'Service', apiVersion: 'v1', namespaced: true },
  persistentvolumeclaims: {
    resource: 'persistentvolumeclaims',
    kind: 'PersistentVolumeClaim',
    apiVersion: 'v1',
    namespaced: true,
  },
  configmaps: { resource: 'configmaps', kind: 'ConfigMap', apiVersion: 'v1', namespaced: true },
  networkpolicies: {
    resource: 'networkpolicies',
    kind: 'NetworkPolicy',
    apiVersion: 'networking.k8s.io/v1',
    namespaced: true,
  },
};

/** What a kubelet does for the server. */
export interface PodRuntime {
  /** A pod was created: run it (update its status through `server.updatePod`). */
  podCreated(pod: KubeObject): void;
  /** A pod is being deleted: stop it within `graceSeconds`, then call `server.removePod`. */
  podDeleting(pod: KubeObject, graceSeconds: number): void;
  /** Runs `command` in a container; stream output and the status over `ws`. */
  exec(pod: KubeObject, container: string, command: string[], ws: WebSocket): void;
  /** Forwards `ws` to `port` of the pod. */
  portForward(pod: KubeObject, port: number, ws: WebSocket): void;
  /** Writes the container's log to `res` (and keeps writing when `follow`); status errors are the server's job. */
  log(pod: KubeObject, container: string, follow: boolean, res: ServerResponse): void;
}

/** One request as the server saw it (tests assert on the calls the deployer made). */
export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
}

interface StoredEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resource: string;
  object: KubeObject;
}

interface Watcher {
  resource: string;
  namespace: string | undefined;
  selector: (labels: Record<string, string> | undefined) => boolean;
  res: ServerResponse;
}

function status(code: number, reason: string, message: string, details?: { name: string; kind: string }) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details === undefined ? {} : { details }),
    code,
  };
}

/** A label selector of the forms `k`, `k=v`, `k!=v`, comma-separated. */
export function parseSelector(text: string | null): (labels: Record<string, string> | undefined) => boolean {
  if (text === null || text === '') return () => true;
  const terms = text.split(',').map((t) => t.trim());
  return (labels) =>
    terms.every((term) => {
      const neq = term.indexOf('!=');
      if (neq !== -1) return labels?.[term.slice(0, neq)] !== term.slice(neq + 2);
      const eq = term.indexOf('=');
      if (eq === -1) return labels?.[term] !== undefined;
      return labels?.[term.slice(0, eq)] === term.slice(eq + 1).replace(/^=/, '');
    });
}

const clone = <T>(x: T): T => structuredClone(x);

/** The test API server; {@link FakeApiServer.start} listens on 127.0.0.1. */
export class FakeApiServer {
  readonly token: string;
  /** kubectl sends no bearer token over plain http; its test turns the check off. */
  readonly requireAuth: boolean;
  readonly requests: SeenRequest[] = [];
  /** SelfSubjectAccessReview answers: `verb resource[/sub]` → denied. */
  readonly denied = new Set<string>();
  readonly #http: Server;
  readonly #ws = new WebSocketServer({ noServer: true, handleProtocols: () => 'v4.channel.k8s.io' });
  readonly #objects = new Map<string, KubeObject>();
  readonly #events: StoredEvent[] = [];
  readonly #watchers = new Set<Watcher>();
  #rv = 100;
  #runtime: PodRuntime | undefined;

  private constructor(token: string, requireAuth: boolean) {
    this.token = token;
    this.requireAuth = requireAuth;
    this.#http = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.#send(res, 500, status(500, 'InternalError', String(error)));
        else res.destroy();
      });
    });
    this.#http.on('upgrade', (req, socket, head) => this.#upgrade(req, socket, head));
  }

  static async start(opts: { token?: string; requireAuth?: boolean } = {}): Promise<FakeApiServer> {
    const server = new FakeApiServer(opts.token ?? 'chainlab-test-token', opts.requireAuth ?? true);
    await new Promise<void>((resolve) => server.#http.listen({ host: '127.0.0.1', port: 0 }, resolve));
    return server;
  }

  get url(): string {
    const a = this.#http.address();
    return `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`;
  }

  /** A kubeconfig for this server (token auth, one context `fake`). */
  kubeconfig(): string {
    return JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      // the client refuses plain http unless TLS checks are declared off
      clusters: [{ name: 'fake', cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'tester', user: { token: this.token } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'tester' } }],
      'current-context': 'fake',
    });
  }

  attach(runtime: PodRuntime): void {
    this.#runtime = runtime;
  }

  /** Objects of `resource` (optionally in `namespace`). */
  list(resource: string, namespace?: string): KubeObject[] {
    return [...this.#objects.entries()]
      .filter(([key]) => key.startsWith(`${resource}/${namespace ?? ''}`))
      .map(([, o]) => clone(o));
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.#objects.get(this.#key(resource, namespace, name));
    return o === undefined ? undefined : clone(o);
  }

  /** Adds an object as if another client had created it (sweeper tests). */
  seed(resource: string, object: KubeObject): KubeObject {
    return this.#create(resourceKinds[resource]!, object.metadata.namespace, clone(object));
  }

  /** Applies `mutate` to a pod's stored copy and emits MODIFIED (the kubelet's status updates). */
  updatePod(namespace: string, name: string, uid: string, mutate: (pod: KubeObject) => void): void {
    const key = this.#key('pods', namespace, name);
    const pod = this.#objects.get(key);
    if (pod === undefined || pod.metadata.uid !== uid) return;
    mutate(pod);
    this.#store('pods', key, pod, 'MODIFIED');
  }

  /** Removes a pod once its containers stopped (the kubelet's final word on a deletion). */
  removePod(namespace: string, name: string, uid: string): void {
    const key = this.#key('pods', namespace, name);
    const pod = this.#objects.get(key);
    if (pod === undefined || pod.metadata.uid !== uid) return;
    this.#remove('pods', key);
  }

  async close(): Promise<void> {
    for (const w of this.#watchers) w.res.end();
    for (const client of this.#ws.clients) client.terminate();
    this.#http.closeAllConnections();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }

  #key(resource: string, namespace: string | undefined, name: string): string {
    return `${resource}/${namespace ?? ''}/${name}`;
  }

  #send(res: ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  #authorized(req: IncomingMessage): boolean {
    return !this.requireAuth || req.headers.authorization === `Bearer ${this.token}`;
  }

  #store(resource: string, key: string, object: KubeObject, type: StoredEvent['type']): KubeObject {
    object.metadata.resourceVersion = String(++this.#rv);
    if (type === 'DELETED') this.#objects.delete(key);
    else this.#objects.set(key, object);
    const event: StoredEvent = { rv: this.#rv, type, resource, object: clone(object) };
    this.#events.push(event);
    for (const w of this.#watchers) this.#deliver(w, event);
    return clone(object);
  }

  #deliver(w: Watcher, event: StoredEvent): void {
    if (w.resource !== event.resource) return;
    if (w.namespace !== undefined && event.object.metadata.namespace !== w.namespace) return;
    if (!w.selector(event.object.metadata.labels)) return;
    w.res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
  }

  #remove(resource: string, key: string): void {
    const object = this.#objects.get(key);
    if (object !== undefined) this.#store(resource, key, object, 'DELETED');
  }

  #create(kind: ResourceKind, namespace: string | undefined, body: KubeObject): KubeObject {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const object: KubeObject = {
      ...body,
      kind: kind.kind,
      apiVersion: kind.apiVersion,
      metadata: {
        ...body.metadata,
        ...(kind.namespaced ? { namespace } : {}),
        uid: randomUUID(),
        creationTimestamp: now,
      },
    };
    if (kind.resource === 'namespaces') {
      object.metadata.labels = {
        ...object.metadata.labels,
        'kubernetes.io/metadata.name': object.metadata.name,
      };
      object.spec = { finalizers: ['kubernetes'] };
      object.status = { phase: 'Active' };
    }
    if (kind.resource === 'pods') object.status = { phase: 'Pending', qosClass: 'BestEffort' };
    if (kind.resource === 'services') {
      object.spec = { ...object.spec, clusterIP: `10.96.${(this.#rv >> 8) & 255}.${this.#rv & 255}` };
    }
    if (kind.resource === 'persistentvolumeclaims') object.status = { phase: 'Bound' };
    const stored = this.#store(
      kind.resource,
      this.#key(kind.resource, namespace, object.metadata.name),
      object,
      'ADDED',
    );
    if (kind.resource === 'pods') this.#runtime?.podCreated(clone(object));
    return stored;
  }

  /** Namespace deletion: Terminating, then its content goes, then the namespace. */
  #deleteNamespace(name: string): KubeObject {
    const key = this.#key('namespaces', undefined, name);
    const ns = this.#objects.get(key)!;
    if (ns.metadata.deletionTimestamp === undefined) {
      ns.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      ns.status = { phase: 'Terminating' };
      const answer = this.#store('namespaces', key, ns, 'MODIFIED');
      for (const resource of Object.keys(resourceKinds).filter((r) => r !== 'namespaces')) {
        for (const o of this.list(resource, name))
          this.#deleteObject(resourceKinds[resource]!, name, o.metadata.name, 1);
      }
      const finish = () => {
        if (this.list('pods', name).length > 0) {
          setTimeout(finish, 50);
          return;
        }
        this.#remove('namespaces', key);
      };
      setTimeout(finish, 50);
      return answer;
    }
    return clone(ns);
  }

  #deleteObject(kind: ResourceKind, namespace: string | undefined, name: string, grace: number | undefined) {
    const key = this.#key(kind.resource, namespace, name);
    const object = this.#objects.get(key)!;
    if (kind.resource !== 'pods') {
      this.#remove(kind.resource, key);
      return clone(object);
    }
    const spec = object.spec as { terminationGracePeriodSeconds?: number } | undefined;
    const seconds = grace ?? spec?.terminationGracePeriodSeconds ?? 30;
    if (object.metadata.deletionTimestamp === undefined) {
      object.metadata.deletionTimestamp = new Date(Date.now() + seconds * 1000)
        .toISOString()
        .replace(/\.\d+Z$/, 'Z');
      object.metadata.deletionGracePeriodSeconds = seconds;
      const answer = this.#store('pods', key, object, 'MODIFIED');
      if (this.#runtime === undefined) this.#remove('pods', key);
      else this.#runtime.podDeleting(clone(object), seconds);
      return answer;
    }
    return clone(object);
  }

  async #body(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams });
    if (!this.#authorized(req)) return this.#send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    const discovered = this.#discovery(url.pathname);
    if (discovered !== undefined) return this.#send(res, 200, discovered);
    if (url.pathname === '/version') {
      return this.#send(res, 200, {
        major: '1',
        minor: '34',
        gitVersion: 'v1.34.1',
        gitCommit: '93248f9ae092f571eb870b7664c534bfc7d00f03',
        gitTreeState: 'clean',
        buildDate: '2025-09-09T19:36:19Z',
        goVersion: 'go1.24.6',
        compiler: 'gc',
        platform: 'linux/amd64',
      });
    }
    if (url.pathname === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews' && req.method === 'POST') {
      const body = (await this.#body(req)) as { spec: { resourceAttributes: Record<string, string> } };
      const a = body.spec.resourceAttributes;
      const what = `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''}`;
      const allowed = !this.denied.has(what);
      return this.#send(res, 201, {
        kind: 'SelfSubjectAccessReview',
        apiVersion: 'authorization.k8s.io/v1',
        metadata: { creationTimestamp: null },
        spec: body.spec,
        status: allowed
          ? {
              allowed: true,
              reason:
                'RBAC: allowed by ClusterRoleBinding "chainlab-e2e" of ClusterRole "chainlab-deployer" to User "chainlab"',
            }
          : { allowed: false },
      });
    }
    const route = this.#route(url.pathname);
    if (route === undefined)
      return this.#send(
        res,
        404,
        status(404, 'NotFound', 'the server could not find the requested resource'),
      );
    const { kind, namespace, name, subresource } = route;
    // as the API server does: only a create checks that its namespace exists
    const creating = req.method === 'POST' && name === undefined;
    if (creating && kind.namespaced && !this.#objects.has(this.#key('namespaces', undefined, namespace!))) {
      return this.#send(
        res,
        404,
        status(404, 'NotFound', `namespaces "${namespace}" not found`, {
          name: namespace!,
          kind: 'namespaces',
        }),
      );
    }
    const key = name === undefined ? undefined : this.#key(kind.resource, namespace, name);
    const existing = key === undefined ? undefined : this.#objects.get(key);
    const notFound = () =>
      this.#send(
        res,
        404,
        status(404, 'NotFound', `${kind.resource} "${name}" not found`, { name: name!, kind: kind.resource }),
      );

    if (req.method === 'POST' && name === undefined) {
      const body = (await this.#body(req)) as KubeObject;
      const nsObject =
        namespace === undefined
          ? undefined
          : this.#objects.get(this.#key('namespaces', undefined, namespace));
      if (nsObject?.metadata.deletionTimestamp !== undefined) {
        return this.#send(
          res,
          403,
          status(
            403,
            'Forbidden',
            `${kind.resource} "${body.metadata.name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
            { name: body.metadata.name, kind: kind.resource },
          ),
        );
      }
      if (this.#objects.has(this.#key(kind.resource, namespace, body.metadata.name))) {
        return this.#send(
          res,
          409,
          status(409, 'AlreadyExists', `${kind.resource} "${body.metadata.name}" already exists`, {
            name: body.metadata.name,
            kind: kind.resource,
          }),
        );
      }
      return this.#send(res, 201, this.#create(kind, namespace, body));
    }
    if (req.method === 'GET' && name === undefined) {
      const selector = parseSelector(url.searchParams.get('labelSelector'));
      if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
        return this.#watch(
          kind,
          namespace,
          selector,
          Number(url.searchParams.get('resourceVersion') ?? '0'),
          res,
        );
      }
      const items = this.list(kind.resource, namespace).filter((o) => selector(o.metadata.labels));
      return this.#send(res, 200, {
        kind: `${kind.kind}List`,
        apiVersion: kind.apiVersion,
        metadata: { resourceVersion: String(this.#rv) },
        items: items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest),
      });
    }
    if (existing === undefined) return notFound();
    if (req.method === 'GET' && subresource === 'log') return this.#log(existing, url, res);
    if (req.method === 'GET' && subresource === undefined) return this.#send(res, 200, clone(existing));
    if (req.method === 'DELETE' && subresource === undefined) {
      if (kind.resource === 'namespaces') return this.#send(res, 200, this.#deleteNamespace(name!));
      const graceText = url.searchParams.get('gracePeriodSeconds');
      return this.#send(
        res,
        200,
        this.#deleteObject(kind, namespace, name!, graceText === null ? undefined : Number(graceText)),
      );
    }
    return this.#send(res, 405, status(405, 'MethodNotAllowed', `${req.method} is not supported here`));
  }

  #route(path: string):
    | {
        kind: ResourceKind;
        namespace: string | undefined;
        name: string | undefined;
        subresource: string | undefined;
      }
    | undefined {
    const core = /^\/api\/v1\/(.*)$/.exec(path)?.[1];
    const networking = /^\/apis\/networking\.k8s\.io\/v1\/(.*)$/.exec(path)?.[1];
    const parts = (core ?? networking ?? '').split('/').filter(Boolean);
    if (parts[0] !== 'namespaces') return undefined;
    if (core !== undefined && parts.length <= 2) {
      return {
        kind: resourceKinds.namespaces!,
        namespace: undefined,
        name: parts[1],
        subresource: undefined,
      };
    }
    const kind = resourceKinds[parts[2] ?? ''];
    if (kind === undefined || kind.resource === 'namespaces') return undefined;
    if ((kind.apiVersion === 'v1') !== (core !== undefined)) return undefined;
    return { kind, namespace: parts[1], name: parts[3], subresource: parts[4] };
  }

  #watch(
    kind: ResourceKind,
    namespace: string | undefined,
    selector: Watcher['selector'],
    fromRv: number,
    res: ServerResponse,
  ): void {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const watcher: Watcher = { resource: kind.resource, namespace, selector, res };
    for (const event of this.#events) if (event.rv > fromRv) this.#deliver(watcher, event);
    this.#watchers.add(watcher);
    res.on('close', () => this.#watchers.delete(watcher));
  }

  #log(pod: KubeObject, url: URL, res: ServerResponse): void {
    const container = url.searchParams.get('container') ?? 'node';
    const statuses = (pod.status?.containerStatuses ?? []) as {
      name: string;
      state?: Record<string, unknown>;
    }[];
    const state = statuses.find((s) => s.name === container)?.state;
    if (state === undefined || 'waiting' in state) {
      this.#send(
        res,
        400,
        status(
          400,
          'BadRequest',
          `container "${container}" in pod "${pod.metadata.name}" is waiting to start: ContainerCreating`,
        ),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
    this.#runtime?.log(pod, container, url.searchParams.get('follow') === 'true', res);
  }

  /** Legacy discovery documents (what kubectl reads to map kinds to resources). */
  #discovery(path: string): unknown {
    const resource = (name: string, kind: string, namespaced: boolean) => ({
      name,
      singularName: kind.toLowerCase(),
      namespaced,
      kind,
      verbs: ['create', 'delete', 'get', 'list', 'watch'],
    });
    if (path === '/api') {
      return {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }],
      };
    }
    if (path === '/apis') {
      const group = (name: string) => ({
        name,
        versions: [{ groupVersion: `${name}/v1`, version: 'v1' }],
        preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' },
      });
      return {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [group('networking.k8s.io'), group('authorization.k8s.io')],
      };
    }
    if (path === '/api/v1') {
      return {
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: Object.values(resourceKinds)
          .filter((k) => k.apiVersion === 'v1')
          .map((k) => resource(k.resource, k.kind, k.namespaced)),
      };
    }
    if (path === '/apis/networking.k8s.io/v1') {
      return {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: 'networking.k8s.io/v1',
        resources: [resource('networkpolicies', 'NetworkPolicy', true)],
      };
    }
    if (path === '/apis/authorization.k8s.io/v1') {
      return {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: 'authorization.k8s.io/v1',
        resources: [
          {
            name: 'selfsubjectaccessreviews',
            singularName: 'selfsubjectaccessreview',
            namespaced: false,
            kind: 'SelfSubjectAccessReview',
            verbs: ['create'],
          },
        ],
      };
    }
    return undefined;
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push({ method: 'GET', path: url.pathname, query: url.searchParams });
    const route = this.#route(url.pathname);
    const pod = route === undefined ? undefined : this.get('pods', route.namespace, route.name ?? '');
    if (
      !this.#authorized(req) ||
      route?.kind.resource !== 'pods' ||
      pod === undefined ||
      this.#runtime === undefined
    ) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim());
    if (!offered.includes('v4.channel.k8s.io')) {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const runtime = this.#runtime;
    this.#ws.handleUpgrade(req, socket, head, (client) => {
      if (route.subresource === 'exec') {
        runtime.exec(
          pod,
          url.searchParams.get('container') ?? '',
          url.searchParams.getAll('command'),
          client,
        );
      } else if (route.subresource === 'portforward') {
        runtime.portForward(pod, Number(url.searchParams.get('ports')), client);
      } else client.close();
    });
  }
}
