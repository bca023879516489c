import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Store } from '../../../../src/engine/apiserver/store/store.js';
import { createLogger } from '../../../../src/engine/base/log.js';
import { CRD, NAMESPACE, type ResourceRef } from '../../../../src/engine/kube/resources.js';
import type { KubeObject } from '../../../../src/engine/kube/types.js';
import { startTestApiServer, type TestApiServer } from '../../../support/apiserver.js';
import { holdsFor } from '../../../support/holds-for.js';
import { GADGET, TEST_CRDS, WIDGET, widget, CONFIGMAP, HOLD } from './fixtures.js';

// Deleting namespaces and objects with finalizers: what lingers, what it
// looks like meanwhile, and when it finally goes.
const warnings: string[] = [];
let ts: TestApiServer;

beforeAll(async () => {
  ts = await startTestApiServer({ crdDir: TEST_CRDS, log: createLogger({ level: 'warn', write: (line) => warnings.push(line) }) });
});
afterAll(async () => {
  await ts?.stop();
});

const namespace = (name: string, meta: Partial<KubeObject['metadata']> = {}) => ts.client.create(NAMESPACE, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...meta } });
const cm = (name: string, ns: string, meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, ...meta }, data: {} });
const release = (ref: ResourceRef, name: string, ns?: string) => ts.client.patch(ref, name, { metadata: { finalizers: null } }, { type: 'merge', namespace: ns });

describe('deleting an object with finalizers', () => {
  it("bumps the object's generation from where it is", async () => {
    await ts.client.create(WIDGET, widget('gen', { color: 'red' }, { finalizers: [HOLD] }));
    await ts.client.patch(WIDGET, 'gen', { spec: { color: 'blue' } }, { type: 'merge', namespace: 'default' });
    expect(((await ts.client.delete(WIDGET, 'gen', { namespace: 'default' })) as KubeObject).metadata.generation).toBe(3);
    await release(WIDGET, 'gen', 'default');
  });

  it('marks it deleted with no grace period and a new generation; deleting it again changes nothing', async () => {
    await ts.client.create(CONFIGMAP, cm('held', 'default', { finalizers: [HOLD] }));
    const first = (await ts.client.delete(CONFIGMAP, 'held', { namespace: 'default' })) as KubeObject;
    expect(first.metadata).toMatchObject({ deletionTimestamp: expect.any(String), deletionGracePeriodSeconds: 0, generation: 2, finalizers: [HOLD] });
    const second = (await ts.client.delete(CONFIGMAP, 'held', { namespace: 'default' })) as KubeObject;
    expect(second.metadata).toMatchObject({ resourceVersion: first.metadata.resourceVersion, deletionTimestamp: first.metadata.deletionTimestamp, generation: 2 });
    await release(CONFIGMAP, 'held', 'default');
    await vi.waitFor(async () => expect(await ts.client.find(CONFIGMAP, 'held', 'default')).toBeUndefined());
  });

  it('waits for no spec.finalizers outside a Namespace: a Gadget goes when its metadata finalizers do', async () => {
    const gadget = { apiVersion: 'test.rdd.io/v1', kind: 'Gadget', metadata: { name: 'spec-fin', finalizers: [HOLD] }, spec: { finalizers: ['kubernetes'] } };
    await ts.client.create(GADGET, gadget);
    await ts.client.delete(GADGET, 'spec-fin');
    await release(GADGET, 'spec-fin');
    await vi.waitFor(async () => expect(await ts.client.find(GADGET, 'spec-fin')).toBeUndefined());
  });
});

describe('namespace deletion', () => {
  it('answers the namespace Terminating, deletes every kind of object in it, and goes once it is empty', async () => {
    await namespace('ending');
    await ts.client.create(CONFIGMAP, cm('c', 'ending'));
    await ts.client.create(WIDGET, widget('w', { color: 'red' }, { namespace: 'ending', finalizers: [HOLD] }));
    const ns = (await ts.client.delete(NAMESPACE, 'ending')) as KubeObject;
    expect(ns.metadata).toMatchObject({ deletionTimestamp: expect.any(String), deletionGracePeriodSeconds: 0 });
    expect(ns.status?.phase).toBe('Terminating');
    expect(ns.spec?.finalizers).toEqual(['kubernetes']);
    expect(await ts.client.find(CONFIGMAP, 'c', 'ending')).toBeUndefined();
    await holdsFor(500, async () => expect((await ts.client.get(NAMESPACE, 'ending')).status?.phase).toBe('Terminating'));
    await release(WIDGET, 'w', 'ending');
    await vi.waitFor(async () => expect(await ts.client.find(NAMESPACE, 'ending')).toBeUndefined());
  });

  it('goes at once when it is empty, answering it as it was last: Terminating', async () => {
    await namespace('empty');
    expect(((await ts.client.delete(NAMESPACE, 'empty')) as KubeObject).status?.phase).toBe('Terminating');
    await vi.waitFor(async () => expect(await ts.client.find(NAMESPACE, 'empty')).toBeUndefined());
  });

  it('finishes a namespace whose contents it deleted without a warning', async () => {
    await namespace('quiet');
    await ts.client.create(CONFIGMAP, cm('a', 'quiet'));
    await ts.client.create(CONFIGMAP, cm('b', 'quiet'));
    await ts.client.delete(NAMESPACE, 'quiet');
    await vi.waitFor(async () => expect(await ts.client.find(NAMESPACE, 'quiet')).toBeUndefined());
    expect(warnings.filter((line) => line.includes('quiet'))).toEqual([]);
  });

  it('keeps an emptied namespace Terminating while its own finalizer holds it; it goes when that is removed', async () => {
    await namespace('fin-ns', { finalizers: [HOLD] });
    await ts.client.create(CONFIGMAP, cm('c', 'fin-ns'));
    await ts.client.delete(NAMESPACE, 'fin-ns');
    await holdsFor(500, async () => {
      const ns = await ts.client.get(NAMESPACE, 'fin-ns');
      expect(ns.status?.phase).toBe('Terminating');
      expect(await ts.client.find(CONFIGMAP, 'c', 'fin-ns')).toBeUndefined();
    });
    await release(NAMESPACE, 'fin-ns');
    await vi.waitFor(async () => expect(await ts.client.find(NAMESPACE, 'fin-ns')).toBeUndefined());
  });

  it('keeps a Terminating namespace its own finalizer no longer holds until it is empty (spec.finalizers), then it goes', async () => {
    await namespace('draining', { finalizers: [HOLD] });
    await ts.client.create(CONFIGMAP, cm('c', 'draining', { finalizers: [HOLD] }));
    await ts.client.delete(NAMESPACE, 'draining');
    await release(NAMESPACE, 'draining');
    await holdsFor(500, async () => {
      const ns = await ts.client.get(NAMESPACE, 'draining');
      expect(ns.status?.phase).toBe('Terminating');
      expect(ns.spec?.finalizers).toEqual(['kubernetes']);
    });
    await release(CONFIGMAP, 'c', 'draining');
    await vi.waitFor(async () => expect(await ts.client.find(NAMESPACE, 'draining')).toBeUndefined());
  });

  it('deletes an emptied Terminating namespace when its finalizers are removed, spec.finalizers with them', async () => {
    await namespace('unset', { finalizers: [HOLD] });
    await ts.client.delete(NAMESPACE, 'unset');
    await ts.client.patch(NAMESPACE, 'unset', { metadata: { finalizers: null }, spec: { finalizers: null } }, { type: 'merge' });
    await vi.waitFor(async () => expect(await ts.client.find(NAMESPACE, 'unset')).toBeUndefined());
  });

  it('finishes an emptied Terminating namespace that an update gives spec.finalizers again as its own finalizer goes', async () => {
    await namespace('refinalized', { finalizers: [HOLD] });
    await ts.client.delete(NAMESPACE, 'refinalized');
    await ts.client.patch(NAMESPACE, 'refinalized', { metadata: { finalizers: null }, spec: { finalizers: ['kubernetes'] } }, { type: 'merge' });
    await vi.waitFor(async () => expect(await ts.client.find(NAMESPACE, 'refinalized')).toBeUndefined());
  });

  it('goes when the last object holding it is removed without an update: its CustomResourceDefinition deleted', async () => {
    const PART: ResourceRef = { group: 'parts.rdd.io', version: 'v1', plural: 'parts', kind: 'Part', namespaced: true };
    await ts.client.create(CRD, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'parts.parts.rdd.io' },
      spec: { group: 'parts.rdd.io', scope: 'Namespaced', names: { kind: 'Part', plural: 'parts' }, versions: [{ name: 'v1', served: true, storage: true }] },
    });
    await namespace('crd-held');
    await ts.client.create(PART, { apiVersion: 'parts.rdd.io/v1', kind: 'Part', metadata: { name: 'p', namespace: 'crd-held', finalizers: [HOLD] } });
    await ts.client.delete(NAMESPACE, 'crd-held');
    await ts.client.delete(CRD, 'parts.parts.rdd.io');
    await vi.waitFor(async () => expect(await ts.client.find(NAMESPACE, 'crd-held')).toBeUndefined());
  });

  it('deletes an empty namespace created with spec.finalizers null', async () => {
    await ts.client.create(NAMESPACE, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'null-fin' }, spec: { finalizers: null } });
    await ts.client.delete(NAMESPACE, 'null-fin');
    await vi.waitFor(async () => expect(await ts.client.find(NAMESPACE, 'null-fin')).toBeUndefined());
  });

  it('at a start, deletes what a Terminating namespace still holds, and then the namespace', async () => {
    await namespace('resumed');
    await ts.client.create(WIDGET, widget('held', { color: 'red' }, { namespace: 'resumed', finalizers: [HOLD] }));
    await ts.client.delete(NAMESPACE, 'resumed');
    // An object the deletion never saw: written into the store while the server is down.
    await ts.restart(() => {
      const store = new Store({ path: path.join(ts.dir, 'rdd.db') });
      store.put({ resource: '/configmaps', namespace: 'resumed', name: 'late' }, cm('late', 'resumed', { uid: randomUUID() }), 0);
      store.close();
      return Promise.resolve();
    });
    await vi.waitFor(async () => expect(await ts.client.find(CONFIGMAP, 'late', 'resumed')).toBeUndefined());
    await release(WIDGET, 'held', 'resumed');
    await vi.waitFor(async () => expect(await ts.client.find(NAMESPACE, 'resumed')).toBeUndefined());
  });

  it('leaves a namespace that is not being deleted when its last object goes', async () => {
    await namespace('live');
    await ts.client.create(CONFIGMAP, cm('only', 'live'));
    await ts.client.delete(CONFIGMAP, 'only', { namespace: 'live' });
    await holdsFor(500, async () => {
      const ns = await ts.client.get(NAMESPACE, 'live');
      expect(ns.metadata.deletionTimestamp).toBeUndefined();
      expect(ns.status?.phase).toBe('Active');
    });
  });
});
