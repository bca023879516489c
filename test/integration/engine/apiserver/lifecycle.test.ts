import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AdmissionDenied, type AdmissionHook } from '../../../../src/engine/kube/admission.js';
import { ApiError } from '../../../../src/engine/kube/client.js';
import { CRD, NAMESPACE } from '../../../../src/engine/kube/resources.js';
import type { KubeObject, WatchEvent } from '../../../../src/engine/kube/types.js';
import { startTestApiServer, type TestApiServer } from '../../../support/apiserver.js';
import { GADGET, TEST_CRDS, WIDGET, widget, HOLD } from './fixtures.js';
import { rejectionOf } from '../../../support/rejection.js';

const gadgetHook: AdmissionHook = {
  name: 'gadgets.test.rdd.io',
  group: 'test.rdd.io',
  kind: 'Gadget',
  mutate(req) {
    if (req.operation === 'CREATE' && req.object) req.object.metadata.labels = { ...req.object.metadata.labels, stamped: 'yes' };
  },
  validate(req) {
    if (req.operation === 'DELETE' && req.oldObject?.metadata.labels?.protected) throw new AdmissionDenied('this gadget is protected', { code: 403 });
    if (req.object?.spec?.forbidden) {
      throw new AdmissionDenied('spec.forbidden must not be set', { causes: [{ field: 'spec.forbidden', reason: 'FieldValueForbidden', message: 'nope' }] });
    }
  },
};

let ts: TestApiServer;

beforeAll(async () => {
  ts = await startTestApiServer({ crdDir: TEST_CRDS, admission: [gadgetHook] });
});
afterAll(async () => {
  await ts?.stop();
});

const failure = (p: Promise<unknown>): Promise<ApiError> => rejectionOf(p, ApiError);

describe('object lifecycle', () => {
  it('keeps an object with finalizers until they are removed: MODIFIED then DELETED', async () => {
    const { client } = ts;
    const created = await client.create(WIDGET, widget('fin', { color: 'red' }, { finalizers: [HOLD] }));
    const events: WatchEvent[] = [];
    const abort = new AbortController();
    const watching = client.watch(WIDGET, { namespace: 'default', resourceVersion: created.metadata.resourceVersion, signal: abort.signal }, (e) =>
      events.push(e),
    );
    const deleted = (await client.delete(WIDGET, 'fin', { namespace: 'default' })) as KubeObject;
    expect(deleted.metadata.deletionTimestamp).toBeDefined();
    expect(deleted.metadata.generation).toBe(2);
    expect((await client.get(WIDGET, 'fin', 'default')).metadata.deletionTimestamp).toBe(deleted.metadata.deletionTimestamp);
    const added = await failure(client.patch(WIDGET, 'fin', { metadata: { finalizers: [HOLD, 'x.io/new'] } }, { type: 'merge', namespace: 'default' }));
    expect(added.status).toBe(422);
    await client.patch(WIDGET, 'fin', { metadata: { finalizers: null } }, { type: 'merge', namespace: 'default' });
    await vi.waitFor(() => expect(events.map((e) => e.type)).toEqual(['MODIFIED', 'MODIFIED', 'DELETED']), { timeout: 10_000, interval: 20 });
    expect(await client.find(WIDGET, 'fin', 'default')).toBeUndefined();
    abort.abort();
    await watching;
  });

  it('deletes a namespace with its contents; finalizers hold it in Terminating', async () => {
    const { client } = ts;
    await client.create(NAMESPACE, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    await client.create(WIDGET, widget('plain', { color: 'red' }, { namespace: 'doomed' }));
    await client.create(WIDGET, widget('held', { color: 'red' }, { namespace: 'doomed', finalizers: [HOLD] }));
    const ns = (await client.delete(NAMESPACE, 'doomed')) as KubeObject;
    expect(ns.status?.phase).toBe('Terminating');
    expect(await client.find(WIDGET, 'plain', 'doomed')).toBeUndefined();
    expect((await client.get(WIDGET, 'held', 'doomed')).metadata.deletionTimestamp).toBeDefined();
    const refused = await failure(client.create(WIDGET, widget('late', { color: 'red' }, { namespace: 'doomed' })));
    expect(refused.status).toBe(403);
    expect((await client.get(NAMESPACE, 'doomed')).status?.phase).toBe('Terminating');
    await client.patch(WIDGET, 'held', { metadata: { finalizers: [] } }, { type: 'merge', namespace: 'doomed' });
    // The namespace goes once its last finalizer is released: a few API round trips.
    await vi.waitFor(async () => expect(await client.find(NAMESPACE, 'doomed')).toBeUndefined(), { timeout: 15_000, interval: 50 });
  });

  it('deletes a collection by selector, leaving the rest', async () => {
    const { client } = ts;
    await client.create(NAMESPACE, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bulk' } });
    for (const [name, tier] of [['b1', 'x'], ['b2', 'x'], ['b3', 'y']]) {
      await client.create(WIDGET, widget(name, { color: 'red' }, { namespace: 'bulk', labels: { tier } }));
    }
    const deleted = await client.request<{ kind: string; items: KubeObject[] }>('DELETE', '/apis/test.rdd.io/v1/namespaces/bulk/widgets', {
      query: { labelSelector: 'tier=x' },
    });
    expect(deleted.kind).toBe('WidgetList');
    expect(deleted.items.map((i) => i.metadata.name).sort()).toEqual(['b1', 'b2']);
    expect((await client.list(WIDGET, { namespace: 'bulk' })).items.map((i) => i.metadata.name)).toEqual(['b3']);
  });

  it('status subresource: the main endpoint ignores status, /status ignores the rest; generation follows spec only', async () => {
    const { client } = ts;
    const created = await client.create(WIDGET, { ...widget('st'), status: { phase: 'Ignored' } });
    expect(created.status).toBeUndefined();
    const withStatus = await client.patch(WIDGET, 'st', { status: { phase: 'Ready' }, spec: { size: 9 } }, { type: 'merge', namespace: 'default', subresource: 'status' });
    expect(withStatus.status).toEqual({ phase: 'Ready' });
    expect(withStatus.spec?.size).toBe(3);
    expect(withStatus.metadata.generation).toBe(1);
    const viaMain = await client.patch(WIDGET, 'st', { status: { phase: 'Hacked' }, metadata: { labels: { a: 'b' } } }, { type: 'merge', namespace: 'default' });
    expect(viaMain.status).toEqual({ phase: 'Ready' });
    expect(viaMain.metadata.generation).toBe(1);
    const specChange = await client.patch(WIDGET, 'st', { spec: { size: 4 } }, { type: 'merge', namespace: 'default' });
    expect(specChange.metadata.generation).toBe(2);
    const noop = await client.patch(WIDGET, 'st', { spec: { size: 4 } }, { type: 'merge', namespace: 'default' });
    expect(noop.metadata.resourceVersion).toBe(specChange.metadata.resourceVersion);
  });

  it('server-side apply creates, tracks managers, reports conflicts and forces', async () => {
    const { client } = ts;
    const applied = await client.patch(WIDGET, 'ssa', widget('ssa', { color: 'red', size: 2 }), { type: 'apply', namespace: 'default', fieldManager: 'alice' });
    expect(applied.spec).toEqual({ color: 'red', size: 2 });
    expect(applied.metadata.managedFields?.map((m) => [m.manager, m.operation])).toEqual([['alice', 'Apply']]);
    const clash = await failure(client.patch(WIDGET, 'ssa', widget('ssa', { color: 'blue' }), { type: 'apply', namespace: 'default', fieldManager: 'bob' }));
    expect(clash.status).toBe(409);
    expect(clash.body?.reason).toBe('Conflict');
    expect(clash.body?.details?.causes?.[0]).toMatchObject({ reason: 'FieldManagerConflict', field: '.spec.color' });
    const forced = await client.patch(WIDGET, 'ssa', widget('ssa', { color: 'blue' }), { type: 'apply', namespace: 'default', fieldManager: 'bob', force: true });
    expect(forced.spec?.color).toBe('blue');
    expect(forced.metadata.managedFields?.map((m) => m.manager).sort()).toEqual(['alice', 'bob']);
  });

  it('runs admission hooks: mutation is stored, a denial is a Status with the hook name', async () => {
    const { client } = ts;
    const g = await client.create(GADGET, { apiVersion: 'test.rdd.io/v1', kind: 'Gadget', metadata: { name: 'adm' }, spec: {} });
    expect(g.metadata.labels).toEqual({ stamped: 'yes' });
    const denied = await failure(client.patch(GADGET, 'adm', { spec: { forbidden: true } }, { type: 'merge' }));
    expect(denied.status).toBe(422);
    expect(denied.body?.message).toBe('admission webhook "gadgets.test.rdd.io" denied the request: spec.forbidden must not be set');
    expect(denied.body?.details?.causes?.[0]?.field).toBe('spec.forbidden');
    await client.patch(GADGET, 'adm', { metadata: { labels: { protected: 'yes' } } }, { type: 'merge' });
    const refused = await failure(client.delete(GADGET, 'adm'));
    expect(refused.status).toBe(403);
    expect(refused.body?.reason).toBe('Forbidden');
    expect(await client.find(GADGET, 'adm')).toBeDefined();
  });

  it('serves a CRD created through the API, Established', async () => {
    const { client } = ts;
    const crd = await client.create(CRD, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'things.extra.rdd.io' },
      spec: {
        group: 'extra.rdd.io',
        scope: 'Cluster',
        names: { kind: 'Thing', plural: 'things' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { n: { type: 'integer' } } } } } } }],
      },
    });
    expect((crd.status?.conditions as { type: string; status: string }[]).find((c) => c.type === 'Established')?.status).toBe('True');
    const THING = { group: 'extra.rdd.io', version: 'v1', plural: 'things', kind: 'Thing', namespaced: false };
    const thing = await client.create(THING, { apiVersion: 'extra.rdd.io/v1', kind: 'Thing', metadata: { name: 't' }, spec: { n: 1, junk: true } });
    expect(thing.spec).toEqual({ n: 1 });
    await client.delete(CRD, 'things.extra.rdd.io');
    const unserved = await failure(client.get(THING, 't'));
    expect(unserved.status).toBe(404);
    const broken = await failure(client.create(CRD, { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'bad.x.io' }, spec: {} }));
    expect(broken.status).toBe(422);
  });
});
