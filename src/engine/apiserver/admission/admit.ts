import { isDeepStrictEqual } from 'node:util';
import type { KubeObject, StatusCause } from '../../kube/types.js';
import { AdmissionDenied, AdmissionForbidden, type AdmissionOperation, type AdmissionRequest } from '../../kube/admission.js';
import type { ResourceRef } from '../../kube/resources.js';
import { apiVersionOf, isDryRun, keyOf, schemaOf, targetOf, type ResourceRequest } from '../context.js';
import { isReleased } from '../lifecycle/deletion.js';
import { alreadyExists, badRequest, conflict, forbidden, invalid, StatusError } from '../endpoints/errors.js';
import { duplicateFields } from './duplicate-fields.js';
import { nameOf } from '../store/stored-object.js';
import { sendObject } from '../endpoints/local.js';
import { validateMetadata } from './metadata-validation.js';
import { trackUpdate } from '../patch/managed-fields.js';
import { applyDefaults } from '../schema/defaults.js';
import { pruneUnknownFields } from '../schema/prune.js';
import { validateAgainstSchema } from '../schema/validate.js';
import { revisionOf, RevisionMismatch } from '../store/store.js';
import { nowTimestamp } from '../timestamp.js';

export interface AdmitInput {
  operation: Exclude<AdmissionOperation, 'DELETE'>;
  object: KubeObject;
  live?: KubeObject;
  /** Field manager for managedFields; undefined when the caller already set them (apply). */
  manager?: string;
}

function statusCode(code: number): string {
  const reasons: Record<number, string> = { 400: 'BadRequest', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 422: 'Invalid' };
  return reasons[code] ?? 'BadRequest';
}

/**
 * A hook's denial as kube reports a webhook's, or (AdmissionForbidden) as its
 * own admission plugins report theirs. Details name the kind for 422, as
 * kube's Invalid does (kubectl prints `The <Kind> "<name>" is invalid`).
 */
function denied(rr: ResourceRequest, hook: string, err: AdmissionDenied, name?: string): StatusError {
  const t = targetOf(rr, name);
  if (err instanceof AdmissionForbidden) {
    const refused = forbidden(t, err.message);
    return err.causes.length ? new StatusError(403, refused.reason, refused.message, { ...refused.details, causes: err.causes }) : refused;
  }
  return new StatusError(err.code, statusCode(err.code), `admission webhook "${hook}" denied the request: ${err.message}`, {
    name,
    group: t.group || undefined,
    kind: err.code === 422 ? t.kind : t.resource,
    ...(err.causes.length ? { causes: err.causes } : {}),
  });
}

/** What every admission request carries about its caller: in-process or not, and a read of the store. */
export function callerOf(rr: ResourceRequest): Pick<AdmissionRequest, 'inProcess' | 'listStored'> {
  return {
    inProcess: rr.req.inProcess === true,
    listStored: (ref: ResourceRef) => {
      const found = rr.ctx.registry.lookup(ref.group, ref.version, ref.plural);
      return found ? rr.ctx.store.list(found.resource.storageKey).items : [];
    },
  };
}

/** Runs one phase of the hooks registered for this resource's kind. */
export async function runHooks(rr: ResourceRequest, request: AdmissionRequest, phase: 'mutate' | 'validate'): Promise<void> {
  for (const hook of rr.ctx.admission) {
    if (hook.group !== rr.resource.group || hook.kind !== rr.resource.kind) continue;
    const fn = hook[phase];
    if (!fn) continue;
    try {
      await fn.call(hook, request);
    } catch (err) {
      if (err instanceof AdmissionDenied) throw denied(rr, hook.name, err, request.name);
      throw new Error(`admission hook ${hook.name} failed on ${rr.resource.kind} ${request.name}`, { cause: err });
    }
  }
}

/**
 * Unknown and duplicate fields per `fieldValidation` (Strict → 400, Warn →
 * a warning, Ignore → silently dropped). Prunes `body` in place, as kube's
 * decoder does before admission; admit() prunes again what mutating hooks
 * add. Duplicates are looked for in `raw` only when the client asked for
 * field validation explicitly: it takes a second, slower parse of the body.
 */
export function checkUnknownFields(rr: ResourceRequest, body: KubeObject, warnings: string[], raw?: string): void {
  const asked = rr.query.get('fieldValidation');
  const mode = asked ?? 'Warn';
  if (!['Strict', 'Warn', 'Ignore'].includes(mode)) {
    throw badRequest(`fieldValidation: Unsupported value: "${mode}": supported values: "Ignore", "Strict", "Warn"`);
  }
  const unknown = rr.version.schema ? pruneUnknownFields(rr.version.schema, body) : [];
  if (mode === 'Ignore') return;
  const duplicates = raw !== undefined && asked ? duplicateFields(raw) : [];
  const problems = [
    ...duplicates.map((p) => `duplicate field "${p}"`),
    // Stryker disable next-line Regex: pruneUnknownFields gives every path with a leading dot, so the first dot is always that one.
    ...unknown.map((p) => `unknown field "${p.replace(/^\./, '')}"`),
  ];
  if (!problems.length) return;
  if (mode === 'Strict') throw badRequest(`strict decoding error: ${problems.join(', ')}`);
  warnings.push(...problems);
}

/** spec-like content: everything but metadata (and status when it has its own subresource). */
function specContent(rr: ResourceRequest, obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status, ...rest } = obj;
  return rr.version.statusSubresource ? rest : { ...rest, status };
}

/**
 * Mutating hooks → schema pruning, defaulting and validation → metadata
 * validation → validating hooks → generation and managedFields. Returns the
 * object ready to store.
 */
export async function admit(rr: ResourceRequest, input: AdmitInput): Promise<KubeObject> {
  const { object, live, operation } = input;
  const request: AdmissionRequest = {
    operation,
    group: rr.resource.group,
    version: rr.version.name,
    kind: rr.resource.kind,
    subResource: rr.subresource,
    fieldManager: rr.query.get('fieldManager') ?? undefined,
    name: object.metadata.name ?? '',
    namespace: rr.resource.namespaced ? rr.namespace : undefined,
    object,
    oldObject: live,
    dryRun: isDryRun(rr),
    ...callerOf(rr),
  };
  await runHooks(rr, request, 'mutate');
  rr.resource.strategy?.prepare?.(object);
  const causes: StatusCause[] = [];
  if (rr.version.schema) {
    pruneUnknownFields(rr.version.schema, object);
    applyDefaults(rr.version.schema, object);
    causes.push(...validateAgainstSchema(rr.version.schema, object));
  }
  causes.push(...validateMetadata(object, rr.resource.group === '' && rr.resource.plural === 'namespaces'));
  causes.push(...(rr.resource.strategy?.validate?.(object, live) ?? []));
  if (live?.metadata.deletionTimestamp) {
    const added = (object.metadata.finalizers ?? []).filter((f) => !(live.metadata.finalizers ?? []).includes(f));
    if (added.length) {
      causes.push({
        reason: 'FieldValueForbidden',
        field: 'metadata.finalizers',
        message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`,
      });
    }
  }
  if (causes.length) {
    throw invalid({ ...targetOf(rr, object.metadata.name), kind: rr.resource.kind }, causes);
  }
  await runHooks(rr, request, 'validate');

  if (live) {
    const changed = !isDeepStrictEqual(specContent(rr, live), specContent(rr, object));
    object.metadata.generation = (live.metadata.generation ?? 1) + (changed ? 1 : 0);
  }
  // A write that edits managedFields itself (kubectl's client-side → server-side apply upgrade) is taken as is.
  const managedFieldsEdited = live !== undefined && !isDeepStrictEqual(object.metadata.managedFields, live.metadata.managedFields);
  if (input.manager !== undefined && !managedFieldsEdited) {
    object.metadata.managedFields = trackUpdate({
      live,
      updated: object,
      manager: input.manager,
      schema: schemaOf(rr),
      subresource: rr.subresource,
      apiVersion: apiVersionOf(rr),
      now: nowTimestamp(),
      operation: 'Update',
    });
  }
  return object;
}

function withoutVolatile(obj: KubeObject): unknown {
  const managed = obj.metadata.managedFields?.map(({ time: _t, ...rest }) => rest);
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: undefined, managedFields: managed } };
}

/** Answers a write once its batch is committed (Store.durable): a client is never told of a write a crash could lose. */
export async function replyWritten(rr: ResourceRequest, code: number, body: unknown, headers: Record<string, string> = {}): Promise<void> {
  await rr.ctx.store.durable();
  sendObject(rr.res, code, body, headers);
}

/**
 * Stores the admitted object (unless dry run, or nothing changed). Removing
 * the last finalizer of an object being deleted deletes it: MODIFIED, then DELETED.
 */
export function persist(rr: ResourceRequest, object: KubeObject, live: KubeObject | undefined): KubeObject {
  if (isDryRun(rr)) return object;
  if (live && isDeepStrictEqual(withoutVolatile(live), withoutVolatile(object))) return live;
  const key = keyOf(rr, nameOf(object), object.metadata.namespace);
  try {
    const stored = rr.ctx.store.put(key, object, revisionOf(live));
    if (isReleased(stored)) {
      rr.ctx.store.delete(key, revisionOf(stored));
    }
    return stored;
  } catch (err) {
    if (!(err instanceof RevisionMismatch)) throw err;
    throw live ? conflict(targetOf(rr, object.metadata.name)) : alreadyExists(targetOf(rr, object.metadata.name));
  }
}
