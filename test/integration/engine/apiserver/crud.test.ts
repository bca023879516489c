import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src/engine/kube/client.js';
import { NAMESPACE } from '../../../../src/engine/kube/resources.js';
import type { KubeObject, Status } from '../../../../src/engine/kube/types.js';
import { rawRequest, startTestApiServer, type TestApiServer } from '../../../support/apiserver.js';
import { GADGET, TEST_CRDS, WIDGET, widget } from './fixtures.js';
import { rejectionOf } from '../../../support/rejection.js';

let ts: TestApiServer;

beforeAll(async () => {
  ts = await startTestApiServer({ crdDir: TEST_CRDS, maxBodyBytes: 64 * 1024 });
});
afterAll(async () => {
  await ts?.stop();
});

const apiError = (p: Promise<unknown>): Promise<ApiError> => rejectionOf(p, ApiError);

describe('CRUD on a custom resource', () => {
  it('creates with system fields, defaults and a string resourceVersion, then gets, lists, updates and deletes', async () => {
    const { client } = ts;
    const created = await client.create(WIDGET, widget('w1'));
    expect(created.metadata).toMatchObject({ name: 'w1', namespace: 'default', generation: 1 });
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(typeof created.metadata.resourceVersion).toBe('string');
    expect(created.spec).toEqual({ color: 'red', size: 3 });

    expect(await client.get(WIDGET, 'w1', 'default')).toEqual(created);
    const list = await client.list(WIDGET, { namespace: 'default' });
    expect(list.kind).toBe('WidgetList');
    expect(typeof list.metadata.resourceVersion).toBe('string');
    expect(list.items.map((i) => i.metadata.name)).toContain('w1');

    const updated = await client.replace(WIDGET, { ...created, spec: { color: 'blue', size: 4 } });
    expect(updated.metadata.generation).toBe(2);
    expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));

    const gone = await client.delete(WIDGET, 'w1', { namespace: 'default' });
    expect(gone).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'w1', kind: 'widgets' } });
    expect(await client.find(WIDGET, 'w1', 'default')).toBeUndefined();
  });

  it('answers 409 Conflict with kube message on a stale resourceVersion', async () => {
    const { client } = ts;
    const created = await client.create(WIDGET, widget('stale'));
    await client.patch(WIDGET, 'stale', { spec: { size: 5 } }, { type: 'merge', namespace: 'default' });
    const err = await apiError(client.replace(WIDGET, { ...created, spec: { color: 'green' } }));
    expect(err.status).toBe(409);
    expect(err.body?.reason).toBe('Conflict');
    expect(err.body?.message).toBe(
      'Operation cannot be fulfilled on widgets.test.rdd.io "stale": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it('reports AlreadyExists and NotFound as kube does', async () => {
    const { client } = ts;
    await client.create(GADGET, { apiVersion: 'test.rdd.io/v1', kind: 'Gadget', metadata: { name: 'g1' }, spec: { any: 'thing' } });
    const dup = await apiError(client.create(GADGET, { apiVersion: 'test.rdd.io/v1', kind: 'Gadget', metadata: { name: 'g1' } }));
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ reason: 'AlreadyExists', message: 'gadgets.test.rdd.io "g1" already exists' });
    const missing = await apiError(client.get(WIDGET, 'nope', 'default'));
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ reason: 'NotFound', details: { name: 'nope', group: 'test.rdd.io', kind: 'widgets' } });
    const noNs = await apiError(client.create(WIDGET, widget('x', { color: 'red' }, { namespace: 'nowhere' })));
    expect(noNs.status).toBe(404);
    expect(noNs.body?.message).toBe('namespaces "nowhere" not found');
  });

  it('fills the name from generateName', async () => {
    const created = await ts.client.create(WIDGET, { ...widget(''), metadata: { generateName: 'gen-', namespace: 'default' } });
    expect(created.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
  });

  it('does not persist a dry run', async () => {
    const dry = await ts.client.create(WIDGET, widget('dry'), { dryRun: true });
    expect(dry.metadata.name).toBe('dry');
    expect(await ts.client.find(WIDGET, 'dry', 'default')).toBeUndefined();
    await ts.client.create(WIDGET, widget('dry2'));
    await ts.client.delete(WIDGET, 'dry2', { namespace: 'default', dryRun: true });
    expect(await ts.client.find(WIDGET, 'dry2', 'default')).toBeDefined();
  });

  it('rejects schema violations with 422 and field paths', async () => {
    const err = await apiError(ts.client.create(WIDGET, widget('bad', { color: 'pink', size: 99 })));
    expect(err.status).toBe(422);
    expect(err.body?.reason).toBe('Invalid');
    expect(err.body?.details?.kind).toBe('Widget');
    expect(err.body?.details?.name).toBe('bad');
    const fields = err.body?.details?.causes?.map((c) => c.field).sort();
    expect(fields).toEqual(['spec.color', 'spec.size']);
    const required = await apiError(ts.client.create(WIDGET, widget('bad2', {})));
    expect(required.body?.details?.causes).toEqual([expect.objectContaining({ field: 'spec.color', reason: 'FieldValueRequired' })]);
    const badName = await apiError(ts.client.create(WIDGET, widget('Bad_Name')));
    expect(badName.body?.details?.causes?.[0]?.field).toBe('metadata.name');
  });

  it('rejects unknown fields with fieldValidation=Strict, warns with Warn', async () => {
    const body = JSON.stringify(widget('strict', { color: 'red', foo: 1 }));
    const path = '/apis/test.rdd.io/v1/namespaces/default/widgets';
    const strict = await rawRequest(ts, 'POST', `${path}?fieldValidation=Strict`, { body, headers: { 'Content-Type': 'application/json' } });
    expect(strict.status).toBe(400);
    expect((strict.json as Status).message).toBe('strict decoding error: unknown field "spec.foo"');
    const warn = await rawRequest(ts, 'POST', `${path}?fieldValidation=Warn`, { body, headers: { 'Content-Type': 'application/json' } });
    expect(warn.status).toBe(201);
    expect(String(warn.headers.warning)).toContain('unknown field \\"spec.foo\\"');
    expect((warn.json as KubeObject).spec).toEqual({ color: 'red', size: 3 });
  });

  it('refuses strategic merge patches on custom resources with 415', async () => {
    await ts.client.create(WIDGET, widget('smp'));
    const res = await rawRequest(ts, 'PATCH', '/apis/test.rdd.io/v1/namespaces/default/widgets/smp', {
      body: '{"spec":{"size":2}}',
      headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
    });
    expect(res.status).toBe(415);
    expect(res.json).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType', code: 415 });
  });

  it('applies JSON patches', async () => {
    await ts.client.create(WIDGET, widget('jp'));
    const patched = await ts.client.patch(WIDGET, 'jp', [{ op: 'add', path: '/spec/tags', value: ['a'] }], { type: 'json', namespace: 'default' });
    expect(patched.spec?.tags).toEqual(['a']);
  });
});

describe('bad input', () => {
  const path = '/apis/test.rdd.io/v1/namespaces/default/widgets';

  it('answers 401 with a Status without or with a wrong token', async () => {
    for (const token of [null, 'wrong']) {
      const res = await rawRequest(ts, 'GET', path, { token });
      expect(res.status).toBe(401);
      expect(res.json).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    }
    expect((await rawRequest(ts, 'GET', '/readyz')).text).toBe('ok');
  });

  it('answers 413 to an oversize body', async () => {
    const big = JSON.stringify(widget('big', { color: 'red', tags: ['x'.repeat(100 * 1024)] }));
    const res = await rawRequest(ts, 'POST', path, { body: big, headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ kind: 'Status', reason: 'RequestEntityTooLarge' });
  });

  it('answers 400 to malformed JSON and to non-objects, never 500', async () => {
    for (const body of ['{"apiVersion":', '[1,2]', '42', '']) {
      const res = await rawRequest(ts, 'POST', path, { body, headers: { 'Content-Type': 'application/json' } });
      expect(res.status, body).toBe(400);
      expect((res.json as Status).reason).toBe('BadRequest');
    }
    const badSelector = await rawRequest(ts, 'GET', `${path}?labelSelector=${encodeURIComponent('a in (')}`);
    expect(badSelector.status).toBe(400);
    const badField = await rawRequest(ts, 'GET', `${path}?fieldSelector=spec.size%3D3`);
    expect(badField.status).toBe(400);
    const badPatch = await rawRequest(ts, 'PATCH', `${path}/nope`, { body: '{}', headers: { 'Content-Type': 'application/json-patch+json' } });
    expect(badPatch.status).toBe(404);
    const unknownPath = await rawRequest(ts, 'GET', '/apis/nope/v1/things');
    expect(unknownPath.status).toBe(404);
    const wrongMethod = await rawRequest(ts, 'POST', `${path}/x`, { body: '{}' });
    expect(wrongMethod.status).toBe(405);
  });

  it('answers odd but well-formed bodies with 4xx, never 500', async () => {
    const bodies = [
      { apiVersion: 'test.rdd.io/v1', kind: 'Widget', metadata: 'nope' },
      { apiVersion: 'test.rdd.io/v1', kind: 'Widget', metadata: { name: 7, labels: 'x' }, spec: { color: 'red' } },
      { apiVersion: 'test.rdd.io/v1', kind: 'Widget', metadata: { name: 'odd', labels: { 'bad key!': 1 }, finalizers: 'x' }, spec: 'red' },
      { apiVersion: 'test.rdd.io/v1', kind: 'Gizmo', metadata: { name: 'odd' } },
      { apiVersion: 'other/v1', kind: 'Widget', metadata: { name: 'odd' } },
      { apiVersion: 'test.rdd.io/v1', kind: 'Widget', metadata: { name: 'odd', namespace: 'elsewhere' }, spec: { color: 'red' } },
    ];
    for (const body of bodies) {
      const res = await rawRequest(ts, 'POST', path, { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
      expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(res.status, JSON.stringify(body)).toBeLessThan(500);
      expect((res.json as Status).kind).toBe('Status');
    }
    await ts.client.create(WIDGET, widget('odd-patch'));
    for (const [type, body] of [
      ['application/json-patch+json', '{"op":"add"}'],
      ['application/json-patch+json', '[{"op":"replace","path":"/spec/nothing/deeper","value":1}]'],
      ['application/merge-patch+json', '{"metadata":{"name":"renamed"}}'],
      ['application/merge-patch+json', '{"metadata":{"finalizers":"x"}}'],
      ['application/apply-patch+yaml', 'kind: [unclosed'],
      ['text/plain', 'hello'],
    ]) {
      const res = await rawRequest(ts, 'PATCH', `${path}/odd-patch?fieldManager=t`, { body, headers: { 'Content-Type': type } });
      expect(res.status, `${type} ${body}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${type} ${body}`).toBeLessThan(500);
    }
  });

  it('never answers 500 to wrongly typed fields on any resource', async () => {
    const targets = [
      { path, apiVersion: 'test.rdd.io/v1', kind: 'Widget' },
      { path: '/apis/test.rdd.io/v1/gadgets', apiVersion: 'test.rdd.io/v1', kind: 'Gadget' },
      { path: '/api/v1/namespaces', apiVersion: 'v1', kind: 'Namespace' },
      { path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' },
    ];
    const fields = ['metadata', 'metadata.name', 'metadata.labels', 'metadata.finalizers', 'metadata.ownerReferences', 'metadata.managedFields', 'spec', 'spec.ports', 'spec.versions', 'spec.names', 'status'];
    const values: unknown[] = [null, 1.5, 'x', [1], { a: 1 }];
    const failures: string[] = [];
    let n = 0;
    for (const t of targets) {
      for (const field of fields) {
        for (const value of values) {
          const obj: Record<string, unknown> = { apiVersion: t.apiVersion, kind: t.kind, metadata: { name: `typed-${n++}` }, spec: { color: 'red' } };
          const parts = field.split('.');
          let cur = obj;
          for (const k of parts.slice(0, -1)) cur = (typeof cur[k] === 'object' && cur[k] !== null ? cur[k] : (cur[k] = {})) as Record<string, unknown>;
          cur[parts[parts.length - 1]] = value;
          const body = JSON.stringify(obj);
          for (const [method, url, type] of [
            ['POST', t.path, 'application/json'],
            ['PATCH', `${t.path}/typed-0?fieldManager=t`, 'application/apply-patch+yaml'],
          ]) {
            const res = await rawRequest(ts, method, url, { body, headers: { 'Content-Type': type } });
            if (res.status >= 500) failures.push(`${method} ${t.kind} ${field}=${JSON.stringify(value)}: ${res.text}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers protobuf requests in JSON', async () => {
    const res = await rawRequest(ts, 'GET', path, {
      headers: { Accept: 'application/vnd.kubernetes.protobuf, application/json' },
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect((res.json as { kind: string }).kind).toBe('WidgetList');
  });

  it('serves the default namespace, Active', async () => {
    const ns = await ts.client.get(NAMESPACE, 'default');
    expect(ns.status).toEqual({ phase: 'Active' });
  });
});
