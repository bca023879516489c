import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { revisionOf, Store } from '../../../../src/engine/apiserver/store/store.js';
import type { ResourceRef } from '../../../../src/engine/kube/resources.js';
import type { KubeObject } from '../../../../src/engine/kube/types.js';
import { rawRequest, startTestApiServer, type TestApiServer } from '../../../support/apiserver.js';
import { CONFIGMAP, configMap, configMapsIn, ownedBy, TEST_CRDS, WIDGET, widget, HOLD } from './fixtures.js';

let ts: TestApiServer;

beforeAll(async () => {
  ts = await startTestApiServer({ crdDir: TEST_CRDS });
});
afterAll(async () => {
  await ts?.stop();
});

const gone = async (ref: ResourceRef, name: string) => (await ts.client.find(ref, name, 'default')) === undefined;
const { del } = configMapsIn(() => ts);

describe('garbage collection of ownerReferences', () => {
  it('refuses an ownerReference without a uid', async () => {
    const res = await rawRequest(ts, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: JSON.stringify(configMap('bad', { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: '' }] })),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ details: { causes: [{ field: 'metadata.ownerReferences.uid' }] } });
  });

  it('Background: deletes dependents whose owners are gone, keeps those with an owner left', async () => {
    const owner = await ts.client.create(CONFIGMAP, configMap('bg-owner'));
    const other = await ts.client.create(CONFIGMAP, configMap('bg-other'));
    await ts.client.create(WIDGET, widget('bg-dep', { color: 'red' }, { ownerReferences: [ownedBy(owner)] }));
    await ts.client.create(CONFIGMAP, configMap('bg-shared', { ownerReferences: [ownedBy(owner), ownedBy(other)] }));
    await ts.client.delete(CONFIGMAP, 'bg-owner', { namespace: 'default' });
    await vi.waitFor(async () => expect(await gone(WIDGET, 'bg-dep')).toBe(true));
    await vi.waitFor(async () => {
      const shared = await ts.client.get(CONFIGMAP, 'bg-shared', 'default');
      expect(shared.metadata.ownerReferences?.map((r) => r.name)).toEqual(['bg-other']);
    });
  });

  it('Orphan: the dependents stay, without the reference', async () => {
    const owner = await ts.client.create(CONFIGMAP, configMap('or-owner'));
    await ts.client.create(CONFIGMAP, configMap('or-dep', { ownerReferences: [ownedBy(owner)] }));
    expect((await del('or-owner', { propagationPolicy: 'Orphan' })).status).toBe(200);
    expect(await gone(CONFIGMAP, 'or-owner')).toBe(true);
    const dep = await ts.client.get(CONFIGMAP, 'or-dep', 'default');
    expect(dep.metadata.ownerReferences).toBeUndefined();
  });

  it('Foreground: the owner waits behind foregroundDeletion for its blocking dependents', async () => {
    const owner = await ts.client.create(CONFIGMAP, configMap('fg-owner'));
    await ts.client.create(CONFIGMAP, configMap('fg-dep', { ownerReferences: [ownedBy(owner, { blockOwnerDeletion: true })], finalizers: [HOLD] }));
    const res = await del('fg-owner', { propagationPolicy: 'Foreground' });
    expect(res.status).toBe(200);
    expect((res.json as KubeObject).metadata).toMatchObject({ finalizers: ['foregroundDeletion'], deletionTimestamp: expect.any(String) });
    await vi.waitFor(async () => expect((await ts.client.get(CONFIGMAP, 'fg-dep', 'default')).metadata.deletionTimestamp).toBeDefined());
    expect(await gone(CONFIGMAP, 'fg-owner')).toBe(false);
    await ts.client.patch(CONFIGMAP, 'fg-dep', { metadata: { finalizers: null } }, { type: 'merge', namespace: 'default' });
    await vi.waitFor(async () => expect(await gone(CONFIGMAP, 'fg-owner')).toBe(true));
  });

  it('refuses an unknown propagationPolicy with 422', async () => {
    await ts.client.create(CONFIGMAP, configMap('pp'));
    expect((await del('pp', { propagationPolicy: 'Sometimes' })).status).toBe(422);
    expect(await gone(CONFIGMAP, 'pp')).toBe(false);
  });

  it('collects at its start the dependents of an owner removed while the server was down', async () => {
    const owner = await ts.client.create(CONFIGMAP, configMap('rs-owner'));
    await ts.client.create(CONFIGMAP, configMap('rs-dep', { ownerReferences: [ownedBy(owner)] }));
    // The owner goes from the store itself, so no collector saw it go.
    await ts.restart(async () => {
      const store = new Store({ path: path.join(ts.dir, 'rdd.db') });
      const key = { resource: '/configmaps', namespace: 'default', name: 'rs-owner' };
      store.delete(key, revisionOf(store.get(key)));
      store.close();
    });
    expect(await gone(CONFIGMAP, 'rs-owner')).toBe(true);
    await vi.waitFor(async () => expect(await gone(CONFIGMAP, 'rs-dep')).toBe(true));
  });
});
