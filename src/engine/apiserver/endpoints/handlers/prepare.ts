import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../../../kube/types.js';
import { apiVersionOf, targetOf, type ResourceRequest } from '../../context.js';
import { badRequest, forbidden, invalid, notFound } from '../errors.js';
import { checkMetadataTypes } from '../../admission/metadata-validation.js';
import { NAMESPACES } from '../../registry/registry.js';
import { nowTimestamp } from '../../timestamp.js';

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** The field manager of a write: the query parameter, else the User-Agent's product, as kube derives it. */
export function fieldManager(rr: ResourceRequest): string {
  const explicit = rr.query.get('fieldManager');
  if (explicit) return explicit;
  const agent = rr.req.headers['user-agent'] ?? '';
  return agent.split('/')[0].slice(0, 128) || 'unknown';
}

function checkTypeMeta(rr: ResourceRequest, body: Record<string, unknown>): void {
  const expected = apiVersionOf(rr);
  const kind = (rr.view ?? rr.resource).kind;
  if (body.kind !== undefined && body.kind !== kind) {
    throw badRequest(`the kind in the body (${String(body.kind)}) does not match the expected kind ${kind}`);
  }
  if (body.apiVersion !== undefined && body.apiVersion !== expected) {
    throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${expected})`);
  }
}

/** Shapes the body as a KubeObject of this resource; 400 when it names another kind or namespace. */
export function asObject(rr: ResourceRequest, body: Record<string, unknown>): KubeObject {
  checkTypeMeta(rr, body);
  const metadata = body.metadata ?? {};
  if (typeof metadata !== 'object' || Array.isArray(metadata)) throw badRequest('metadata must be an object');
  checkMetadataTypes(rr.resource.kind, metadata as Record<string, unknown>);
  let obj = { ...body, apiVersion: apiVersionOf(rr), kind: rr.resource.kind, metadata: { ...metadata } } as KubeObject;
  if (rr.view?.conversion) obj = rr.view.conversion.toStored(obj);
  if (rr.resource.namespaced) {
    if (obj.metadata.namespace && rr.namespace && obj.metadata.namespace !== rr.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    obj.metadata.namespace = rr.namespace ?? obj.metadata.namespace;
  } else {
    delete obj.metadata.namespace;
  }
  return obj;
}

/** A namespaced create needs its namespace to exist and not be terminating. */
export function checkNamespaceOpen(rr: ResourceRequest, name: string): void {
  if (!rr.resource.namespaced) return;
  const ns = rr.namespace ?? '';
  const namespace = rr.ctx.store.get({ resource: NAMESPACES.storageKey, namespace: '', name: ns });
  if (!namespace) throw notFound({ resource: 'namespaces', name: ns });
  if (namespace.metadata.deletionTimestamp) {
    throw forbidden(targetOf(rr, name), `unable to create new content in namespace ${ns} because it is being terminated`);
  }
}

/** System fields of a new object: name from generateName, uid, timestamps, generation 1. */
export function prepareCreate(rr: ResourceRequest, obj: KubeObject): KubeObject {
  const meta = obj.metadata;
  if (!meta.name && meta.generateName) {
    const suffix = Array.from({ length: 5 }, () => GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)]).join('');
    meta.name = `${meta.generateName}${suffix}`;
  }
  meta.uid = randomUUID();
  meta.creationTimestamp = nowTimestamp();
  meta.generation = 1;
  delete meta.resourceVersion;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.managedFields;
  if (rr.version.statusSubresource) delete obj.status;
  if (rr.resource === NAMESPACES) {
    obj.spec = { finalizers: ['kubernetes'], ...(obj.spec ?? {}) };
    obj.status = { phase: 'Active' };
  }
  return obj;
}

/**
 * Carries the system fields over from the stored object; the main endpoint
 * ignores status changes and /status ignores everything but status.
 */
export function prepareUpdate(rr: ResourceRequest, live: KubeObject, incoming: KubeObject): KubeObject {
  if (rr.subresource === 'status') {
    const next = structuredClone(live);
    if (incoming.status === undefined) delete next.status;
    else next.status = incoming.status;
    if (incoming.metadata.managedFields) next.metadata.managedFields = incoming.metadata.managedFields;
    return next;
  }
  const meta = incoming.metadata;
  const kept = live.metadata;
  if (meta.uid && meta.uid !== kept.uid) {
    throw invalid({ ...targetOf(rr, kept.name), kind: rr.resource.kind }, [
      { reason: 'FieldValueInvalid', field: 'metadata.uid', message: `Invalid value: ${JSON.stringify(meta.uid)}: field is immutable` },
    ]);
  }
  meta.uid = kept.uid;
  meta.name = kept.name;
  meta.creationTimestamp = kept.creationTimestamp;
  meta.generation = kept.generation;
  if (kept.namespace) meta.namespace = kept.namespace;
  for (const field of ['deletionTimestamp', 'deletionGracePeriodSeconds'] as const) {
    if (kept[field] === undefined) delete meta[field];
    else meta[field] = kept[field] as never;
  }
  if (meta.managedFields === undefined && kept.managedFields) meta.managedFields = kept.managedFields;
  if (rr.version.statusSubresource) {
    if (live.status === undefined) delete incoming.status;
    else incoming.status = live.status;
  }
  return incoming;
}
