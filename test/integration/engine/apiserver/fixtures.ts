import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll } from 'vitest';
import { rawRequest, startTestApiServer, type TestApiServer, type TestApiServerOptions } from '../../../support/apiserver.js';
import { fileURLToPath } from 'node:url';
import type { ResourceRef } from '../../../../src/engine/kube/resources.js';
import type { KubeObject, OwnerReference } from '../../../../src/engine/kube/types.js';

export const TEST_CRDS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/crds');

export const WIDGET: ResourceRef = { group: 'test.rdd.io', version: 'v1', plural: 'widgets', kind: 'Widget', namespaced: true };
export const GADGET: ResourceRef = { group: 'test.rdd.io', version: 'v1', plural: 'gadgets', kind: 'Gadget', namespaced: false };
/** The widgets of namespace default, for raw requests. */
export const WIDGETS = '/apis/test.rdd.io/v1/namespaces/default/widgets';
/** A finalizer nothing in the server acts on: it holds an object until the test removes it. */
export const HOLD = 'test.rdd.io/hold';

export function widget(name: string, spec: Record<string, unknown> = { color: 'red' }, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { apiVersion: 'test.rdd.io/v1', kind: 'Widget', metadata: { name, namespace: 'default', ...extra }, spec };
}

export const CONFIGMAP: ResourceRef = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };

/** A ConfigMap in `default`, unless `meta` names another namespace. */
export function configMap(name: string, meta: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', ...meta }, data: {} };
}

/** The ConfigMaps of namespace `default` on `server`: what the GC and deletion tests write, read and delete. */
export function configMapsIn(server: () => TestApiServer) {
  const client = () => server().client;
  return {
    create: (name: string, meta: Partial<KubeObject['metadata']> = {}) => client().create(CONFIGMAP, configMap(name, meta)),
    find: (name: string) => client().find(CONFIGMAP, name, 'default'),
    remove: (name: string) => client().delete(CONFIGMAP, name, { namespace: 'default' }),
    /** Removes every finalizer, the test's HOLD among them. */
    release: (name: string) => client().patch(CONFIGMAP, name, { metadata: { finalizers: null } }, { type: 'merge', namespace: 'default' }),
    /** A DELETE as sent on the wire, with DeleteOptions as the body and options in the query ('?…'), for what KubeClient does not send. */
    del: (name: string, body?: unknown, query = '') =>
      rawRequest(server(), 'DELETE', `/api/v1/namespaces/default/configmaps/${name}${query}`, body === undefined ? {} : { body: JSON.stringify(body) }),
  };
}

/** The ownerReference a dependent of `owner` lists. */
export function ownedBy(owner: KubeObject, extra: Partial<OwnerReference> = {}): OwnerReference {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', ...extra };
}

export const KUBECTL = '/usr/bin/kubectl';

/** Runs the real kubectl against `ts`, with its own HOME and discovery cache; never rejects. */
export function kubectlFor(ts: () => TestApiServer) {
  return (...args: string[]) =>
    execa(KUBECTL, ['--kubeconfig', ts().kubeconfigPath, '--cache-dir', path.join(ts().dir, 'kube-cache'), ...args], {
      reject: false,
      timeout: 60_000,
      env: { HOME: ts().dir },
    });
}

/** One API server with the test CRDs for the whole file: started before its tests, stopped after; call the getter inside a test. */
export function serverForFile(opts: TestApiServerOptions = {}): () => TestApiServer {
  let ts: TestApiServer | undefined;
  beforeAll(async () => {
    ts = await startTestApiServer({ crdDir: TEST_CRDS, ...opts });
  });
  afterAll(async () => {
    await ts?.stop();
  });
  return () => ts!;
}
