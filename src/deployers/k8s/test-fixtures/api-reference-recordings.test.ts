/**
 * The test API server answers every RECORDED REQUEST FROM THE API REFERENCE with the
 * recorded response (generated fields matched by form), so the deployer's tests run
 * against the wire format the reference documents, not against whatever the server says.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  clusterExchanges,
  namespaceExchanges,
  podExchanges,
  type RecordedExchange,
} from './api-reference-recordings.ts';
import { FakeApiServer } from './fake-api-server.ts';

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
