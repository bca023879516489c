import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdmissionHook, AdmissionRequest } from '../../../../src/engine/kube/admission.js';
import { NAMESPACE } from '../../../../src/engine/kube/resources.js';
import type { KubeObject } from '../../../../src/engine/kube/types.js';
import { rawRequest, startTestApiServer, type TestApiServer } from '../../../support/apiserver.js';
import { gate } from '../../../support/gate.js';
import { CONFIGMAP, ownedBy, TEST_CRDS, WIDGET, widget, HOLD, configMapsIn } from './fixtures.js';

// What a DELETE answers and leaves behind, as kubectl and client libraries
// see it: preconditions, the Status of a deletion, dryRun, the propagation
// options and the namespaces kube never deletes.
const deletes: AdmissionRequest[] = [];
const recorder: AdmissionHook = {
  name: 'deletes.test.rdd.io',
  group: 'test.rdd.io',
  kind: 'Widget',
  validate(req) {
    if (req.operation === 'DELETE') deletes.push(req);
  },
};
// Holds the DELETE of the ConfigMap `raced` between its read and its delete, until the test opens `release`.
const raced = { entered: gate(), release: gate() };
const holder: AdmissionHook = {
  name: 'holder.test.rdd.io',
  group: '',
  kind: 'ConfigMap',
  async validate(req) {
    if (req.operation !== 'DELETE' || req.name !== 'raced') return;
    raced.entered.open();
    await raced.release.opened;
  },
};
let ts: TestApiServer;

beforeAll(async () => {
  ts = await startTestApiServer({ crdDir: TEST_CRDS, admission: [recorder, holder] });
});
afterAll(async () => {
  await ts?.stop();
});

const { create, find, del } = configMapsIn(() => ts);
const invalidOptions = (message: string, reason: string) => ({
  kind: 'Status',
  status: 'Failure',
  code: 422,
  reason: 'Invalid',
  message: `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: ${message}`,
  details: { group: 'meta.k8s.io', kind: 'DeleteOptions', causes: [{ reason, field: 'propagationPolicy', message }] },
});

describe('DELETE preconditions', () => {
  it('refuses a uid that is not the object\'s with 409, and deletes nothing', async () => {
    const live = await create('pre-uid');
    const res = await del('pre-uid', { preconditions: { uid: 'not-it' } });
    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({
      reason: 'Conflict',
      message: `Operation cannot be fulfilled on configmaps "pre-uid": Precondition failed: UID in precondition: not-it, UID in object meta: ${live.metadata.uid}`,
      details: { name: 'pre-uid', kind: 'configmaps' },
    });
    expect(await find('pre-uid')).toBeDefined();
  });

  it('refuses a resourceVersion that is not the current one with 409, and deletes nothing', async () => {
    const live = await create('pre-rv');
    const res = await del('pre-rv', { preconditions: { resourceVersion: '1' } });
    expect(res.status).toBe(409);
    expect((res.json as { message: string }).message).toBe(
      `Operation cannot be fulfilled on configmaps "pre-rv": Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: ${live.metadata.resourceVersion}`,
    );
    expect(await find('pre-rv')).toBeDefined();
  });

  it('deletes when both preconditions hold, answering a Success Status that names the object', async () => {
    const live = await create('pre-ok');
    const res = await del('pre-ok', { preconditions: { uid: live.metadata.uid, resourceVersion: live.metadata.resourceVersion } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Success', details: { name: 'pre-ok', kind: 'configmaps', uid: live.metadata.uid } });
    expect(await find('pre-ok')).toBeUndefined();
  });
});

describe('DELETE racing an update', () => {
  it('answers 409 when the object changed between its read and its delete, and deletes nothing', async () => {
    await create('raced');
    const pending = del('raced');
    await raced.entered.opened;
    await ts.client.patch(CONFIGMAP, 'raced', { data: { changed: 'yes' } }, { type: 'merge', namespace: 'default' });
    raced.release.open();
    const res = await pending;
    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on configmaps "raced": the object has been modified; please apply your changes to the latest version and try again',
    });
    expect((await find('raced'))?.data).toEqual({ changed: 'yes' });
  });
});

describe('DELETE of a custom resource', () => {
  it("names the group in the Status, and runs the validating hooks with the object's identity", async () => {
    const live = await ts.client.create(WIDGET, widget('w-del'));
    const res = await rawRequest(ts, 'DELETE', '/apis/test.rdd.io/v1/namespaces/default/widgets/w-del');
    expect(res.json).toEqual({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Success', details: { name: 'w-del', group: 'test.rdd.io', kind: 'widgets', uid: live.metadata.uid } });
    expect(deletes.at(-1)).toMatchObject({ operation: 'DELETE', group: 'test.rdd.io', version: 'v1', kind: 'Widget', name: 'w-del', namespace: 'default', dryRun: false });
    expect(deletes.at(-1)?.oldObject?.metadata.uid).toBe(live.metadata.uid);
  });
});

describe('DELETE with dryRun', () => {
  it.each([
    ['the query', undefined, '?dryRun=All'],
    ['DeleteOptions', { dryRun: ['All'] }, ''],
  ])('in %s answers as a deletion would and changes nothing', async (_where, body, query) => {
    const name = `dry-${query ? 'query' : 'body'}`;
    const live = await create(name);
    const res = await del(name, body, query);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ kind: 'Status', status: 'Success', details: { name } });
    expect((await find(name))?.metadata.resourceVersion).toBe(live.metadata.resourceVersion);
  });

  it('shows an object with finalizers as it would linger, and leaves it untouched', async () => {
    const live = await create('dry-held', { finalizers: [HOLD] });
    const res = await del('dry-held', { dryRun: ['All'], propagationPolicy: 'Foreground' });
    expect(res.status).toBe(200);
    expect((res.json as KubeObject).metadata).toMatchObject({ finalizers: [HOLD, 'foregroundDeletion'], deletionTimestamp: expect.any(String), generation: 2 });
    const after = await find('dry-held');
    expect(after?.metadata.resourceVersion).toBe(live.metadata.resourceVersion);
    expect(after?.metadata.deletionTimestamp).toBeUndefined();
    await ts.client.patch(CONFIGMAP, 'dry-held', { metadata: { finalizers: null } }, { type: 'merge', namespace: 'default' });
  });

  it('with Orphan leaves the dependents their reference', async () => {
    const owner = await create('dry-owner');
    await create('dry-dep', { ownerReferences: [ownedBy(owner)] });
    expect((await del('dry-owner', { dryRun: ['All'], propagationPolicy: 'Orphan' })).status).toBe(200);
    expect(await find('dry-owner')).toBeDefined();
    expect((await find('dry-dep'))?.metadata.ownerReferences?.map((r) => r.uid)).toEqual([owner.metadata.uid]);
  });

  it('runs the validating hooks with dryRun set', async () => {
    await ts.client.create(WIDGET, widget('w-dry'));
    await rawRequest(ts, 'DELETE', '/apis/test.rdd.io/v1/namespaces/default/widgets/w-dry?dryRun=All');
    expect(deletes.at(-1)).toMatchObject({ name: 'w-dry', dryRun: true });
    expect(await ts.client.find(WIDGET, 'w-dry', 'default')).toBeDefined();
  });

  it('on a namespace answers it as it is: not Terminating, its contents kept', async () => {
    await ts.client.create(NAMESPACE, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dry-ns' } });
    await ts.client.create(WIDGET, widget('inside', { color: 'red' }, { namespace: 'dry-ns' }));
    const res = await rawRequest(ts, 'DELETE', '/api/v1/namespaces/dry-ns?dryRun=All');
    expect(res.status).toBe(200);
    expect((res.json as KubeObject).metadata.deletionTimestamp).toBeUndefined();
    expect((await ts.client.get(NAMESPACE, 'dry-ns')).status?.phase).toBe('Active');
    expect(await ts.client.find(WIDGET, 'inside', 'dry-ns')).toBeDefined();
  });

  it('on a collection lists what would go and deletes none of it', async () => {
    await create('dry-c1', { labels: { dryc: 'yes' } });
    await create('dry-c2', { labels: { dryc: 'yes' }, finalizers: [HOLD] });
    const res = await rawRequest(ts, 'DELETE', '/api/v1/namespaces/default/configmaps?labelSelector=dryc%3Dyes&dryRun=All');
    expect(res.status).toBe(200);
    const list = res.json as { apiVersion: string; kind: string; metadata: { resourceVersion: string }; items: KubeObject[] };
    expect(list).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: expect.stringMatching(/^\d+$/) } });
    expect(list.items.map((i) => [i.metadata.name, Boolean(i.metadata.deletionTimestamp)])).toEqual([
      ['dry-c1', false],
      ['dry-c2', true],
    ]);
    expect(await find('dry-c1')).toBeDefined();
    expect((await find('dry-c2'))?.metadata.deletionTimestamp).toBeUndefined();
    await ts.client.patch(CONFIGMAP, 'dry-c2', { metadata: { finalizers: null } }, { type: 'merge', namespace: 'default' });
  });
});

describe('DELETE propagation options', () => {
  it('reads propagationPolicy from the query', async () => {
    const owner = await create('q-owner');
    await create('q-dep', { ownerReferences: [ownedBy(owner)] });
    expect((await del('q-owner', undefined, '?propagationPolicy=Orphan')).status).toBe(200);
    expect(await find('q-owner')).toBeUndefined();
    expect((await find('q-dep'))?.metadata.ownerReferences).toBeUndefined();
  });

  it('takes DeleteOptions over the query', async () => {
    const owner = await create('b-owner');
    await create('b-dep', { ownerReferences: [ownedBy(owner)] });
    expect((await del('b-owner', { propagationPolicy: 'Orphan' }, '?propagationPolicy=Background')).status).toBe(200);
    expect((await find('b-dep'))?.metadata.ownerReferences).toBeUndefined();
  });

  it.each([
    ['DeleteOptions', { propagationPolicy: 'Sometimes' }, ''],
    ['the query', undefined, '?propagationPolicy=Sometimes'],
  ])('refuses an unsupported propagationPolicy in %s with kube\'s 422', async (_where, body, query) => {
    await create(`pp-${query ? 'q' : 'b'}`);
    const res = await del(`pp-${query ? 'q' : 'b'}`, body, query);
    expect(res.json).toMatchObject(invalidOptions('Unsupported value: "Sometimes": supported values: "Foreground", "Background", "Orphan", "nil"', 'FieldValueNotSupported'));
    expect(await find(`pp-${query ? 'q' : 'b'}`)).toBeDefined();
  });

  it('refuses orphanDependents=false together with a propagationPolicy', async () => {
    await create('both-false');
    const res = await del('both-false', { orphanDependents: false, propagationPolicy: 'Background' });
    expect(res.json).toMatchObject(invalidOptions('Invalid value: "null": orphanDependents and deletionPropagation cannot be both set', 'FieldValueInvalid'));
    expect(await find('both-false')).toBeDefined();
  });

  it('adds foregroundDeletion once: a second Foreground delete of a lingering object changes nothing', async () => {
    await create('fg-twice', { finalizers: [HOLD] });
    const first = await del('fg-twice', { propagationPolicy: 'Foreground' });
    const second = await del('fg-twice', { propagationPolicy: 'Foreground' });
    expect((second.json as KubeObject).metadata).toMatchObject({ finalizers: [HOLD], resourceVersion: expect.any(String) });
    expect((first.json as KubeObject).metadata.finalizers).toEqual([HOLD, 'foregroundDeletion']);
    await ts.client.patch(CONFIGMAP, 'fg-twice', { metadata: { finalizers: null } }, { type: 'merge', namespace: 'default' });
  });
});

describe('immortal namespaces', () => {
  it.each(['default', 'kube-system', 'kube-public'])('refuses to delete %s with 403, as kube does', async (name) => {
    const res = await rawRequest(ts, 'DELETE', `/api/v1/namespaces/${name}`);
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ reason: 'Forbidden', message: `namespaces "${name}" is forbidden: this namespace may not be deleted` });
  });

  it('refuses a namespaces deletecollection whose selector matches default with 403, and leaves default alone', async () => {
    await ts.client.create(NAMESPACE, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'spared', labels: { sweep: 'yes' } } });
    await ts.client.patch(NAMESPACE, 'default', { metadata: { labels: { sweep: 'yes' } } }, { type: 'merge' });
    const res = await rawRequest(ts, 'DELETE', '/api/v1/namespaces?labelSelector=sweep%3Dyes');
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ reason: 'Forbidden', message: 'namespaces "default" is forbidden: this namespace may not be deleted' });
    expect((await ts.client.get(NAMESPACE, 'default')).metadata.deletionTimestamp).toBeUndefined();
    await ts.client.patch(NAMESPACE, 'default', { metadata: { labels: { sweep: null } } }, { type: 'merge' });
    await ts.client.delete(NAMESPACE, 'spared');
  });

  it('deletes a ConfigMap named default: only a Namespace of that name is immortal', async () => {
    await create('default');
    expect((await del('default')).status).toBe(200);
    expect(await find('default')).toBeUndefined();
  });

  it('marks a namespace deleted Foreground Terminating, without the foregroundDeletion finalizer', async () => {
    await ts.client.create(NAMESPACE, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fg-ns' } });
    const res = await rawRequest(ts, 'DELETE', '/api/v1/namespaces/fg-ns', { body: JSON.stringify({ propagationPolicy: 'Foreground' }) });
    expect(res.status).toBe(200);
    expect((res.json as KubeObject).metadata.finalizers).toBeUndefined();
  });

  it('deletes any other namespace', async () => {
    await ts.client.create(NAMESPACE, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mortal' } });
    expect((await rawRequest(ts, 'DELETE', '/api/v1/namespaces/mortal')).status).toBe(200);
  });
});
