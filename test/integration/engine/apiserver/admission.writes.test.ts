import { describe, expect, it } from 'vitest';
import { CRD, NAMESPACE, type ResourceRef } from '../../../../src/engine/kube/resources.js';
import type { KubeObject, ManagedFieldsEntry, Status } from '../../../../src/engine/kube/types.js';
import { rawRequest } from '../../../support/apiserver.js';
import { GADGET, serverForFile, WIDGET, widget, CONFIGMAP } from './fixtures.js';

/*
 * What admission makes of an accepted write, as a client reads it back:
 * metadata.generation, managedFields, the names each kind accepts, and the
 * finalizers an object being deleted may no longer gain.
 */

const ts = serverForFile();
const json = { 'Content-Type': 'application/json' };
const mergeInto = (ref: ResourceRef, name: string, patch: unknown, opts: { fieldManager?: string; namespace?: string } = {}) =>
  ts().client.patch(ref, name, patch, { type: 'merge', namespace: ref.namespaced ? (opts.namespace ?? 'default') : undefined, fieldManager: opts.fieldManager });
const managers = (obj: KubeObject) => (obj.metadata.managedFields ?? []).map((m) => [m.manager, m.operation]);

describe('metadata.generation', () => {
  it('without a status subresource: every change outside metadata counts, status included; metadata alone does not', async () => {
    const gadget = { apiVersion: 'test.rdd.io/v1', kind: 'Gadget', metadata: { name: 'gen' }, spec: { n: 1 } };
    expect((await ts().client.create(GADGET, gadget)).metadata.generation).toBe(1);
    expect((await mergeInto(GADGET, 'gen', { spec: { n: 2 } })).metadata.generation).toBe(2);
    expect((await mergeInto(GADGET, 'gen', { spec: { n: 3 } })).metadata.generation).toBe(3);
    expect((await mergeInto(GADGET, 'gen', { metadata: { labels: { a: 'b' } } })).metadata.generation).toBe(3);
    expect((await mergeInto(GADGET, 'gen', { status: { seen: true } })).metadata.generation).toBe(4);
    expect((await ts().client.get(GADGET, 'gen')).metadata.generation).toBe(4);
  });

  it('with a status subresource: status written through /status does not count', async () => {
    await ts().client.create(WIDGET, widget('gen-status'));
    const status = await ts().client.patch(WIDGET, 'gen-status', { status: { phase: 'Ready' } }, { type: 'merge', namespace: 'default', subresource: 'status' });
    expect(status.metadata.generation).toBe(1);
    expect((await mergeInto(WIDGET, 'gen-status', { spec: { size: 7 } })).metadata.generation).toBe(2);
  });
});

describe('a change to metadata only', () => {
  it('is stored: a new resourceVersion, the labels and annotations', async () => {
    const created = await ts().client.create(WIDGET, widget('labels'));
    const labelled = await mergeInto(WIDGET, 'labels', { metadata: { labels: { tier: 'x' }, annotations: { note: 'y' } } });
    expect(labelled.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);
    const read = await ts().client.get(WIDGET, 'labels', 'default');
    expect(read.metadata.labels).toEqual({ tier: 'x' });
    expect(read.metadata.annotations).toEqual({ note: 'y' });
  });

  it('on an object the server made itself, without managedFields (namespace default): stored with the writer as its manager', async () => {
    const ns = await mergeInto(NAMESPACE, 'default', { metadata: { labels: { team: 'a' } } }, { fieldManager: 'labeller' });
    expect(ns.metadata.labels).toEqual({ team: 'a' });
    expect(managers(ns)).toEqual([['labeller', 'Update']]);
  });
});

describe('managedFields', () => {
  it('a create and an update each record their field manager, operation Update', async () => {
    const res = await rawRequest(ts(), 'POST', '/apis/test.rdd.io/v1/namespaces/default/widgets?fieldManager=alice', { body: JSON.stringify(widget('managed')), headers: json });
    expect(res.status).toBe(201);
    expect(managers(res.json as KubeObject)).toEqual([['alice', 'Update']]);
    const updated = await mergeInto(WIDGET, 'managed', { spec: { size: 5 } }, { fieldManager: 'bob' });
    expect(managers(updated)).toEqual([['alice', 'Update'], ['bob', 'Update']]);
    expect(updated.metadata.managedFields?.[1]).toMatchObject({ apiVersion: 'test.rdd.io/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:size': {} } } });
  });

  it('a write that edits managedFields itself is stored as sent, whether or not it changes anything else', async () => {
    await ts().client.create(WIDGET, widget('upgraded'), { fieldManager: 'kubectl-client-side-apply' });
    const entry: ManagedFieldsEntry = {
      manager: 'kubectl',
      operation: 'Apply',
      apiVersion: 'test.rdd.io/v1',
      time: '2026-01-01T00:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:spec': { 'f:color': {} } },
    };
    const edited = await mergeInto(WIDGET, 'upgraded', { metadata: { managedFields: [entry] } }, { fieldManager: 'kubectl' });
    expect(edited.metadata.managedFields).toEqual([entry]);
    expect((await ts().client.get(WIDGET, 'upgraded', 'default')).metadata.managedFields).toEqual([entry]);
    // The same with a change of the spec in the request: no Update entry is added for the writer.
    const owned = { ...entry, fieldsV1: { 'f:spec': { 'f:color': {}, 'f:size': {} } } };
    const both = await mergeInto(WIDGET, 'upgraded', { metadata: { managedFields: [owned] }, spec: { size: 6 } }, { fieldManager: 'kubectl-client-side-apply' });
    expect(both.spec).toEqual({ color: 'red', size: 6 });
    expect(both.metadata.managedFields).toEqual([owned]);
  });
});

describe('names per kind', () => {
  it('a Namespace name must be a DNS label; other kinds, core ones included, take a DNS subdomain', async () => {
    const res = await rawRequest(ts(), 'POST', '/api/v1/namespaces', { body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } }), headers: json });
    expect(res.status).toBe(422);
    expect((res.json as Status).details?.causes?.[0]).toMatchObject({ field: 'metadata.name', reason: 'FieldValueInvalid' });
    expect((res.json as Status).message).toContain('Namespace "a.b" is invalid: metadata.name: Invalid value: "a.b": a lowercase RFC 1123 label');
    expect((await ts().client.create(WIDGET, widget('a.b'))).metadata.name).toBe('a.b');
    expect((await ts().client.create(CONFIGMAP, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a.b', namespace: 'default' }, data: { k: 'v' } })).metadata.name).toBe('a.b');
  });

  it('a custom resource whose plural is namespaces, in another group, takes a DNS subdomain', async () => {
    await ts().client.create(CRD, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'namespaces.extra.rdd.io' },
      spec: {
        group: 'extra.rdd.io',
        scope: 'Cluster',
        names: { kind: 'Zone', plural: 'namespaces' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    });
    const ZONE: ResourceRef = { group: 'extra.rdd.io', version: 'v1', plural: 'namespaces', kind: 'Zone', namespaced: false };
    expect((await ts().client.create(ZONE, { apiVersion: 'extra.rdd.io/v1', kind: 'Zone', metadata: { name: 'a.b' } })).metadata.name).toBe('a.b');
  });
});

describe('finalizers of an object being deleted', () => {
  it('may be removed one by one but no new one added: 422 naming metadata.finalizers, the object kept as it was', async () => {
    await ts().client.create(WIDGET, widget('leaving', { color: 'red' }, { finalizers: ['test.rdd.io/one', 'test.rdd.io/two'] }));
    await ts().client.delete(WIDGET, 'leaving', { namespace: 'default' });
    const res = await rawRequest(ts(), 'PATCH', '/apis/test.rdd.io/v1/namespaces/default/widgets/leaving', {
      body: JSON.stringify({ metadata: { finalizers: ['test.rdd.io/one', 'test.rdd.io/two', 'test.rdd.io/late'] } }),
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    const message = 'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ["test.rdd.io/late"]';
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({
      reason: 'Invalid',
      message: `Widget.test.rdd.io "leaving" is invalid: metadata.finalizers: ${message}`,
      details: { name: 'leaving', group: 'test.rdd.io', kind: 'Widget', causes: [{ reason: 'FieldValueForbidden', field: 'metadata.finalizers', message }] },
    });
    expect((await ts().client.get(WIDGET, 'leaving', 'default')).metadata.finalizers).toEqual(['test.rdd.io/one', 'test.rdd.io/two']);
    const fewer = await mergeInto(WIDGET, 'leaving', { metadata: { finalizers: ['test.rdd.io/two'] } });
    expect(fewer.metadata.finalizers).toEqual(['test.rdd.io/two']);
    expect(fewer.metadata.deletionTimestamp).toBeDefined();
  });

  it('an object not being deleted may gain finalizers', async () => {
    await ts().client.create(WIDGET, widget('staying'));
    expect((await mergeInto(WIDGET, 'staying', { metadata: { finalizers: ['test.rdd.io/new'] } })).metadata.finalizers).toEqual(['test.rdd.io/new']);
  });
});
