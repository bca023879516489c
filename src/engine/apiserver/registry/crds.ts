import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../kube/types.js';
import { AdmissionDenied, type AdmissionHook } from '../../kube/admission.js';
import { readCrdFiles } from '../../kube/crd-files.js';
import { CRD_GROUP, CRDS, NAMESPACES, resourceFromCrd } from './registry.js';
import { revisionOf, type Store } from '../store/store.js';
import { nowTimestamp } from '../timestamp.js';

function newObject(obj: KubeObject): KubeObject {
  return {
    ...obj,
    metadata: { ...obj.metadata, uid: randomUUID(), creationTimestamp: nowTimestamp(), generation: 1 },
  };
}

/** The status a real apiserver gives an accepted CRD (kubectl wait --for=condition=Established relies on it). */
export function crdStatus(crd: KubeObject): Record<string, unknown> {
  const now = nowTimestamp();
  const condition = (type: string, reason: string, message: string) => ({ type, status: 'True', reason, message, lastTransitionTime: now });
  const spec = crd.spec as { names?: unknown; versions?: { name: string; storage?: boolean }[] } | undefined;
  return {
    acceptedNames: spec?.names ?? {},
    conditions: [
      condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
      condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
    ],
    // Runs before validation (as a mutating step), so the spec may still be malformed here.
    storedVersions: (Array.isArray(spec?.versions) ? spec.versions : []).filter((v) => v?.storage).map((v) => v.name),
  };
}

/**
 * Brings the stored CRDs in line with the manifest files in `crdDir` (created or
 * updated when their spec changed; a broken file fails the start), and makes
 * sure the `default` namespace exists, as kubectl assumes it does.
 */
export function bootstrap(store: Store, crdDir: string): void {
  for (const crd of readCrdFiles(crdDir)) {
    resourceFromCrd(crd);
    const key = { resource: CRDS.storageKey, namespace: '', name: crd.metadata.name ?? '' };
    const live = store.get(key);
    if (!live) {
      store.put(key, { ...newObject(crd), status: crdStatus(crd) }, 0);
    } else if (!isDeepStrictEqual(live.spec, crd.spec) || !isDeepStrictEqual(live.metadata.labels, crd.metadata.labels)) {
      const next = structuredClone(live);
      next.spec = crd.spec;
      next.metadata.labels = crd.metadata.labels;
      next.metadata.generation = (live.metadata.generation ?? 1) + 1;
      next.status = crdStatus(crd);
      store.put(key, next, revisionOf(live));
    }
  }
  const defaultNs = { resource: NAMESPACES.storageKey, namespace: '', name: 'default' };
  if (!store.get(defaultNs)) {
    const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
    store.put(defaultNs, newObject(ns), 0);
  }
}

/** CRDs written through the API: refuse ones that cannot be served, and report them Established as kube does. */
export const crdAdmission: AdmissionHook = {
  name: 'customresourcedefinitions.apiextensions.k8s.io',
  group: CRD_GROUP,
  kind: CRDS.kind,
  mutate(req) {
    if (req.object && req.subResource !== 'status') req.object.status = crdStatus(req.object);
  },
  validate(req) {
    if (!req.object) return;
    try {
      resourceFromCrd(req.object);
    } catch (err) {
      throw new AdmissionDenied((err as Error).message, { causes: [{ field: 'spec', reason: 'FieldValueInvalid', message: (err as Error).message }] });
    }
  },
};

/** Deleting a CRD deletes its objects, as kube does (finalizers of those objects are not waited for). */
export function purgeCustomResources(store: Store, crd: KubeObject): void {
  const { storageKey } = resourceFromCrd(crd);
  for (const obj of store.list(storageKey).items) {
    const key = { resource: storageKey, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '' };
    store.delete(key, revisionOf(obj));
  }
}
