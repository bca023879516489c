import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject, Status } from '../../../../src/engine/kube/types.js';
import { rawRequest, startTestApiServer, type TestApiServer } from '../../../support/apiserver.js';
import { TEST_CRDS, WIDGET, widget } from './fixtures.js';

let ts: TestApiServer;
const path = '/apis/test.rdd.io/v1/namespaces/default/widgets';

beforeAll(async () => {
  ts = await startTestApiServer({ crdDir: TEST_CRDS, retainRevisions: 10 });
  await ts.client.create(WIDGET, widget('q1'));
});
afterAll(async () => {
  await ts?.stop();
});

const lines = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: KubeObject });

describe('boolean query parameters', () => {
  it('treats watch=True (as the Python client sends it) as a watch', async () => {
    const res = await rawRequest(ts, 'GET', `${path}?watch=True&timeoutSeconds=1`);
    expect(res.status).toBe(200);
    expect(lines(res.text).map((l) => `${l.type} ${l.object.metadata.name}`)).toEqual(['ADDED q1']);
  });

  it('reads allowWatchBookmarks and sendInitialEvents in any ParseBool spelling', async () => {
    const res = await rawRequest(ts, 'GET', `${path}?watch=t&allowWatchBookmarks=TRUE&sendInitialEvents=T&timeoutSeconds=1`);
    expect(lines(res.text).at(-1)).toMatchObject({ type: 'BOOKMARK', object: { metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } } });
  });

  it('answers 400 to a boolean it cannot parse', async () => {
    for (const query of ['watch=yes', 'watch=1&allowWatchBookmarks=on', 'watch=1&sendInitialEvents=2']) {
      const res = await rawRequest(ts, 'GET', `${path}?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.json).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    }
    const apply = await rawRequest(ts, 'PATCH', `${path}/q1?fieldManager=t&force=yes`, {
      body: JSON.stringify(widget('q1', { color: 'blue' })),
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
    });
    expect(apply.status).toBe(400);
    expect((await ts.client.get(WIDGET, 'q1', 'default')).spec).toMatchObject({ color: 'red' });
  });

  it('reads force=True on a server-side apply', async () => {
    await ts.client.patch(WIDGET, 'q1', { spec: { color: 'green' } }, { type: 'merge', namespace: 'default' });
    const res = await rawRequest(ts, 'PATCH', `${path}/q1?fieldManager=other&force=True`, {
      body: JSON.stringify(widget('q1', { color: 'blue' })),
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
    });
    expect(res.status).toBe(200);
    expect((res.json as KubeObject).spec).toMatchObject({ color: 'blue' });
  });
});

describe('other query parameters', () => {
  it('refuses an unknown dryRun directive with 422 and persists nothing', async () => {
    const res = await rawRequest(ts, 'POST', `${path}?dryRun=Bogus`, {
      body: JSON.stringify(widget('dry-bogus')),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status).toBe(422);
    expect((res.json as Status).message).toContain('dryRun: Unsupported value: "Bogus"');
    const get = await rawRequest(ts, 'GET', `${path}/dry-bogus`);
    expect(get.status).toBe(404);
    const del = await rawRequest(ts, 'DELETE', `${path}/q1`, { body: JSON.stringify({ dryRun: ['Bogus'] }) });
    expect(del.status).toBe(422);
  });

  it('answers 400 to a non-numeric resourceVersion or timeoutSeconds', async () => {
    expect((await rawRequest(ts, 'GET', `${path}?resourceVersion=abc`)).status).toBe(400);
    expect((await rawRequest(ts, 'GET', `${path}?watch=1&resourceVersion=abc`)).status).toBe(400);
    expect((await rawRequest(ts, 'GET', `${path}?watch=1&timeoutSeconds=abc`)).status).toBe(400);
  });

  it('answers a watch from a future resourceVersion with Too large resource version', async () => {
    const res = await rawRequest(ts, 'GET', `${path}?watch=1&resourceVersion=999999`);
    expect(res.status).toBe(504);
    expect(res.json).toMatchObject({ reason: 'Timeout', details: { causes: [{ reason: 'ResourceVersionTooLarge' }] } });
    expect((res.json as Status).message).toContain('Too large resource version: 999999');
  });
});
