import type { ApiReply, ApiRequest } from './endpoints/http.js';
import type { KubeObject } from '../kube/types.js';
import type { Logger } from '../base/log.js';
import type { AdmissionHook } from '../kube/admission.js';
import type { NamespaceLifecycle } from './lifecycle/deletion.js';
import type { GarbageCollector } from './lifecycle/gc.js';
import type { ErrorTarget } from './endpoints/errors.js';
import type { Registry } from './registry/registry.js';
import type { ResourceInfo, VersionInfo } from './registry/types.js';
import type { JSONSchemaProps } from '../kube/json-schema.js';
import type { ObjectKey, Store } from './store/store.js';
import { dryRunParam } from './endpoints/query.js';
import { partialObjectMetadata, type Output } from './endpoints/negotiation.js';

/** What every handler shares for the life of the server. */
export interface ServerContext {
  store: Store;
  registry: Registry;
  admission: AdmissionHook[];
  log: Logger;
  maxBodyBytes: number;
  /** How far behind a watcher may fall before it is cut off: bytes queued (HTTPS), events queued (in-process). */
  watchBacklog: { bytes: number; events: number };
  namespaces: NamespaceLifecycle;
  gc: GarbageCollector;
  /** Open watch streams end when this aborts (server close). */
  shutdown: AbortSignal;
}

/** One request against a resource path, after routing. */
export interface ResourceRequest {
  ctx: ServerContext;
  req: ApiRequest;
  res: ApiReply;
  query: URLSearchParams;
  resource: ResourceInfo;
  version: VersionInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
  /**
   * Set when the path names another view of a stored kind (events.k8s.io
   * Events are core Events): `resource`/`version` are then the stored kind,
   * and bodies are converted on the way in and out.
   */
  view?: ResourceInfo;
  /** What the client's Accept header negotiated: the objects, a Table, or their metadata only (endpoints/negotiation.ts). */
  output: Output;
}

/** Schema used when a resource declares none (built-ins): anything goes. */
export const OPEN_SCHEMA: JSONSchemaProps = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

export function schemaOf(rr: ResourceRequest): JSONSchemaProps {
  return rr.version.schema ?? OPEN_SCHEMA;
}

/** The apiVersion the client addressed (the view's, when it asked for one). */
export function apiVersionOf(rr: ResourceRequest): string {
  if (rr.view) return `${rr.view.group}/${rr.view.versions[0].name}`;
  return rr.resource.group ? `${rr.resource.group}/${rr.version.name}` : rr.version.name;
}

/** The version info the client sees (columns and selectable fields of the view). */
export function servedVersion(rr: ResourceRequest): VersionInfo {
  return rr.view?.versions[0] ?? rr.version;
}

export function keyOf(rr: ResourceRequest, name: string, namespace = rr.namespace): ObjectKey {
  return { resource: rr.resource.storageKey, namespace: rr.resource.namespaced ? (namespace ?? '') : '', name };
}

export function targetOf(rr: ResourceRequest, name = rr.name): ErrorTarget {
  return { group: rr.resource.group, resource: rr.resource.plural, kind: rr.resource.kind, name };
}

/** The object as this request's version presents it (all versions share one stored form), or its PartialObjectMetadata. */
export function present(rr: ResourceRequest, obj: KubeObject): KubeObject {
  if (rr.output === 'metadata') return partialObjectMetadata(obj) as KubeObject;
  if (rr.view?.conversion) return rr.view.conversion.fromStored(obj);
  const apiVersion = apiVersionOf(rr);
  return obj.apiVersion === apiVersion ? obj : { ...obj, apiVersion };
}

const OPTIONS_KIND = { POST: 'CreateOptions', PUT: 'UpdateOptions', PATCH: 'PatchOptions', DELETE: 'DeleteOptions' } as const;

/** Whether this write is a dry run (`?dryRun=All`, or `extra` from a DeleteOptions body); an unknown directive is a 422. */
export function isDryRun(rr: ResourceRequest, extra: string[] = []): boolean {
  const method = (rr.req.method ?? 'POST') as keyof typeof OPTIONS_KIND;
  return dryRunParam([...rr.query.getAll('dryRun'), ...extra], OPTIONS_KIND[method] ?? 'CreateOptions');
}
