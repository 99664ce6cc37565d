/**
 * The test API server answers every RECORDED REQUEST FROM THE API REFERENCE with the
 * recorded response (generated fields matched by form), so the deployer's tests run
 * against the wire format the reference documents, not against whatever the server says.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { systemClock } from '../../../support/clock.ts';
import {
  clusterExchanges,
  execStatusFrames,
  namespaceExchanges,
  podExchanges,
  portForwardHeader,
  type RecordedExchange,
} from './api-reference-recordings.ts';
import { FakeApiServer } from './fake-api-server.ts';
import { FakeKubelet } from './fake-kubelet.ts';

const placeholders: Record<string, RegExp> = {
  '<uid>': /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  '<resourceVersion>': /^\d+$/,
  '<timestamp>': /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
};

/** The recorded body with its placeholders turned into matchers of their form. */
function expected(recorded: unknown): unknown {
  if (typeof recorded === 'string' && placeholders[recorded] !== undefined) {
    return expect.stringMatching(placeholders[recorded]!);
  }
  if (Array.isArray(recorded)) return recorded.map(expected);
  if (typeof recorded === 'object' && recorded !== null) {
    return Object.fromEntries(Object.entries(recorded).map(([k, v]) => [k, expected(v)]));
  }
  return recorded;
}

describe('the test API server replays the recorded API reference exchanges', () => {
  let server: FakeApiServer;
  beforeEach(async () => {
    server = await FakeApiServer.start();
  });
  afterEach(async () => {
    await server.close();
  });

  const replay = async (exchanges: RecordedExchange[]) => {
    for (const x of exchanges) {
      const res = await fetch(`${server.url}${x.request.path}`, {
        method: x.request.method,
        headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
        ...(x.request.body === undefined ? {} : { body: JSON.stringify(x.request.body) }),
      });
      expect({ title: x.title, status: res.status, body: await res.json() }).toEqual({
        title: x.title,
        status: x.response.status,
        body: expected(x.response.body),
      });
    }
  };

  it('namespaces: create, conflict, list by label, delete', () => replay(namespaceExchanges));
  it('pods: not found, namespace not found, list', () => replay(podExchanges));
  it('version and access review', () => replay(clusterExchanges));

  it('refuses a request without the kubeconfig token, as an API server does', async () => {
    const res = await fetch(`${server.url}/api/v1/namespaces`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
  });

  it('streams watch events as one JSON object per line, from the given resource version', async () => {
    const auth = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
    const list = (await (await fetch(`${server.url}/api/v1/namespaces`, { headers: auth })).json()) as {
      metadata: { resourceVersion: string };
    };
    await fetch(`${server.url}/api/v1/namespaces`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'watched' } }),
    });
    const controller = new AbortController();
    const res = await fetch(
      `${server.url}/api/v1/namespaces?watch=true&resourceVersion=${list.metadata.resourceVersion}`,
      { headers: auth, signal: controller.signal },
    );
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    controller.abort();
    const line = JSON.parse(Buffer.from(value!).toString('utf8').split('\n')[0]!) as {
      type: string;
      object: { kind: string; metadata: { name: string } };
    };
    expect(line.type).toBe('ADDED');
    expect(line.object.kind).toBe('Namespace');
    expect(line.object.metadata.name).toBe('watched');
  });
});

describe('the test kubelet speaks the recorded streaming frames', () => {
  let server: FakeApiServer;
  let kubelet: FakeKubelet;
  const ns = 'frames';

  beforeEach(async () => {
    server = await FakeApiServer.start();
    kubelet = new FakeKubelet(server, { images: ['fake:1'], signalImage: 'busybox:1.37' });
    server.seed('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    server.seed('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: ns },
      spec: {
        containers: [
          {
            name: 'node',
            image: 'fake:1',
            ports: [{ name: 'api', containerPort: 8080 }],
            env: [{ name: 'CHAINLAB_NODE', value: 'p' }],
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
          },
          { name: 'signal', image: 'busybox:1.37' },
        ],
        volumes: [{ name: 'data', emptyDir: {} }],
      },
    });
    const deadline = systemClock.monotonic() + 10_000;
    while (!JSON.stringify(server.get('pods', ns, 'p')?.status ?? {}).includes('"Ready","status":"True"')) {
      if (systemClock.monotonic() > deadline) {
        const log = await fetch(`${server.url}/api/v1/namespaces/${ns}/pods/p/log?container=node`, {
          headers: { authorization: `Bearer ${server.token}` },
        }).then((r) => r.text());
        throw new Error(`the test pod never became Ready: ${log}`);
      }
      await systemClock.sleep(50);
    }
  });
  afterEach(async () => {
    await kubelet.close();
    await server.close();
  });

  /** Opens a channel WebSocket and collects its frames until the server closes it. */
  async function frames(path: string, send?: Buffer): Promise<Buffer[]> {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}${path}`, ['v4.channel.k8s.io'], {
      headers: { authorization: `Bearer ${server.token}` },
    });
    const got: Buffer[] = [];
    ws.on('message', (data: Buffer) => {
      got.push(data);
      if (send !== undefined && got.length === 2) ws.send(send);
    });
    await new Promise<void>((resolve, reject) => {
      ws.on('close', () => resolve());
      ws.on('error', reject);
    });
    expect(ws.protocol).toBe('v4.channel.k8s.io');
    return got;
  }

  it('exec ends with the recorded status on channel 3', async () => {
    const got = await frames(
      `/api/v1/namespaces/${ns}/pods/p/exec?container=signal&stdout=true&stderr=true&command=sh&command=-c&command=exit%203`,
    );
    const status = got.find((f) => f[0] === 3)!;
    expect(JSON.parse(status.subarray(1).toString('utf8'))).toEqual(execStatusFrames.exit3);
    const ok = await frames(
      `/api/v1/namespaces/${ns}/pods/p/exec?container=signal&stdout=true&command=sh&command=-c&command=true`,
    );
    expect(
      JSON.parse(
        ok
          .find((f) => f[0] === 3)!
          .subarray(1)
          .toString('utf8'),
      ),
    ).toEqual(execStatusFrames.success);
  });

  it('port-forward opens with the recorded port header on both channels, then carries the bytes', async () => {
    const request = Buffer.concat([Buffer.from([0]), Buffer.from('GET /health HTTP/1.0\r\n\r\n')]);
    const got = await frames(
      `/api/v1/namespaces/${ns}/pods/p/portforward?ports=${portForwardHeader.port}`,
      request,
    );
    expect([...got[0]!]).toEqual(portForwardHeader.dataFrame);
    expect([...got[1]!]).toEqual(portForwardHeader.errorFrame);
    const answer = Buffer.concat(
      got
        .slice(2)
        .filter((f) => f[0] === 0)
        .map((f) => f.subarray(1)),
    ).toString('utf8');
    expect(answer).toMatch(/^HTTP\/1\.[01] 200 OK/);
    expect(answer.endsWith('ok')).toBe(true);
  });
});
