import type { KubeObject } from '../../../kube/types.js';
import { apiVersionOf, keyOf, present, servedVersion, targetOf, type ResourceRequest } from '../../context.js';
import { badRequest, notFound } from '../errors.js';
import { selectorPredicate, type Predicate } from '../filters.js';
import { listOptions, listPage, type ListOptions } from '../paging.js';
import { sendJson } from '../http.js';
import { sendObject } from '../local.js';
import { toTable } from '../../table/table.js';

type IncludeObject = 'None' | 'Metadata' | 'Object';

/** Whether the client asked for a meta.k8s.io Table (kubectl get does). */
export function wantsTable(rr: ResourceRequest): boolean {
  return rr.output === 'table';
}

function includeObject(rr: ResourceRequest): IncludeObject {
  const value = rr.query.get('includeObject') ?? 'Metadata';
  if (value !== 'None' && value !== 'Metadata' && value !== 'Object') {
    throw badRequest(`includeObject: Unsupported value: "${value}": supported values: "None", "Metadata", "Object"`);
  }
  return value;
}

/** Renders objects as a Table with the version's printer columns. */
export function tableOf(rr: ResourceRequest, objs: KubeObject[], resourceVersion: string): unknown {
  return toTable(
    objs.map((o) => present(rr, o)),
    servedVersion(rr).columns,
    { includeObject: includeObject(rr), now: new Date(), resourceVersion },
  );
}

export function getObject(rr: ResourceRequest, name: string): KubeObject {
  const obj = rr.ctx.store.get(keyOf(rr, name));
  if (!obj) throw notFound(targetOf(rr, name));
  return obj;
}

export function handleGet(rr: ResourceRequest): void {
  const obj = getObject(rr, rr.name ?? '');
  if (wantsTable(rr)) sendJson(rr.res, 200, tableOf(rr, [obj], obj.metadata.resourceVersion ?? ''));
  else sendObject(rr.res, 200, present(rr, obj));
}

/**
 * A plain list (no selectors, no paging, no older revision) of a
 * single-version resource is the stored JSON as is (every object was written
 * with this apiVersion): no decode/encode of 2,000 objects per request.
 */
function sendRawList(rr: ResourceRequest, opts: ListOptions, matches: Predicate | undefined): boolean {
  if (matches || rr.output !== 'object' || rr.resource.versions.length !== 1 || rr.view) return false;
  if (opts.limit !== undefined || opts.after !== undefined || opts.revision !== undefined) return false;
  const { items, revision } = rr.ctx.store.listRaw(rr.resource.storageKey, rr.resource.namespaced ? rr.namespace : undefined);
  const head = JSON.stringify({ apiVersion: apiVersionOf(rr), kind: rr.resource.listKind, metadata: { resourceVersion: String(revision) } });
  sendJson(rr.res, 200, `${head.slice(0, -1)},"items":[${items.join(',')}]}`);
  return true;
}

export function handleList(rr: ResourceRequest): void {
  const opts = listOptions(rr.query, rr.ctx.store.revision);
  const matches = selectorPredicate(rr);
  if (sendRawList(rr, opts, matches)) return;
  const namespace = rr.resource.namespaced ? rr.namespace : undefined;
  const page = listPage(rr.ctx.store, rr.resource.storageKey, namespace, opts, matches);
  const resourceVersion = String(page.revision);
  const metadata = {
    resourceVersion,
    ...(page.continue ? { continue: page.continue } : {}),
    ...(page.remainingItemCount !== undefined ? { remainingItemCount: page.remainingItemCount } : {}),
  };
  if (wantsTable(rr)) {
    sendJson(rr.res, 200, { ...(tableOf(rr, page.items, resourceVersion) as object), metadata });
    return;
  }
  const typeMeta = rr.output === 'metadata' ? { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadataList' } : { apiVersion: apiVersionOf(rr), kind: rr.resource.listKind };
  sendJson(rr.res, 200, { ...typeMeta, metadata, items: page.items.map((o) => present(rr, o)) });
}
