import { afterEach, describe, expect, it, vi } from 'vitest';
import { NAMESPACE } from '../../../../src/engine/kube/resources.js';
import type { KubeObject } from '../../../../src/engine/kube/types.js';
import { startTestApiServer, type TestApiServer } from '../../../support/apiserver.js';
import { holdsFor } from '../../../support/holds-for.js';
import { CONFIGMAP, configMap, GADGET, ownedBy, TEST_CRDS, WIDGET, widget, HOLD } from './fixtures.js';

// What the garbage collector does when the server starts over a store that
// already holds owners and dependents. The server starts inside the test, so a
// collector that cannot start fails the test itself.
let ts: TestApiServer | undefined;

afterEach(async () => {
  await ts?.stop();
  ts = undefined;
});

const gadget = (name: string, meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({ apiVersion: 'test.rdd.io/v1', kind: 'Gadget', metadata: { name, ...meta }, spec: {} });

describe('garbage collection across a restart', () => {
  it('keeps owners, their dependents and unowned objects; still collects afterwards, cluster-scoped ones too', async () => {
    ts = await startTestApiServer({ crdDir: TEST_CRDS });
    const { client } = ts;
    const owner = await client.create(CONFIGMAP, configMap('owner'));
    await client.create(CONFIGMAP, configMap('dep', { ownerReferences: [ownedBy(owner)] }));
    const gadgetOwner = await client.create(GADGET, gadget('g-owner'));
    await client.create(GADGET, gadget('g-dep', { ownerReferences: [ownedBy(gadgetOwner)] }));
    await ts.restart();
    await holdsFor(1000, async () => {
      expect(await client.find(CONFIGMAP, 'owner', 'default')).toBeDefined();
      expect((await client.find(CONFIGMAP, 'dep', 'default'))?.metadata.ownerReferences?.map((r) => r.uid)).toEqual([owner.metadata.uid]);
      expect(await client.find(GADGET, 'g-dep')).toBeDefined();
    });
    // The collector indexed what the store held: deleting an owner now collects its dependents.
    await client.delete(GADGET, 'g-owner');
    await vi.waitFor(async () => expect(await client.find(GADGET, 'g-dep')).toBeUndefined());
    await client.delete(CONFIGMAP, 'owner', { namespace: 'default' });
    await vi.waitFor(async () => expect(await client.find(CONFIGMAP, 'dep', 'default')).toBeUndefined());
  });

  it('starts over a namespace left Terminating, which still goes once its last object does', async () => {
    ts = await startTestApiServer({ crdDir: TEST_CRDS });
    const { client } = ts;
    await client.create(NAMESPACE, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ending' } });
    await client.create(WIDGET, widget('held', { color: 'red' }, { namespace: 'ending', finalizers: [HOLD] }));
    await client.delete(NAMESPACE, 'ending');
    await ts.restart();
    expect((await client.get(NAMESPACE, 'ending')).status?.phase).toBe('Terminating');
    await client.patch(WIDGET, 'held', { metadata: { finalizers: null } }, { type: 'merge', namespace: 'ending' });
    await vi.waitFor(async () => expect(await client.find(NAMESPACE, 'ending')).toBeUndefined(), { timeout: 15_000, interval: 50 });
  });
});
