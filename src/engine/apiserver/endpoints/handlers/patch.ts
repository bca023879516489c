import type { KubeObject } from '../../../kube/types.js';
import { apiVersionOf, keyOf, present, schemaOf, targetOf, type ResourceRequest } from '../../context.js';
import { badRequest, conflict, invalidOptions, notFound, StatusError, unsupportedMediaType } from '../errors.js';
import { mediaType, readDecoded, requireObject, warningHeaders } from '../http.js';
import { applyJsonPatch } from '../../patch/json-patch.js';
import { applyMergePatch } from '../../patch/merge-patch.js';
import { PatchError } from '../../patch/patch-error.js';
import { ApplyConflictError, serverSideApply } from '../../patch/server-side-apply.js';
import { admit, checkUnknownFields, persist, replyWritten } from '../../admission/admit.js';
import { nowTimestamp } from '../../timestamp.js';
import { asObject, fieldManager, prepareUpdate } from './prepare.js';
import { getObject } from './read.js';
import { boolParam } from '../query.js';
import { createObject } from './write.js';

const MERGE = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const APPLY = 'application/apply-patch+yaml';
const STRATEGIC = 'application/strategic-merge-patch+json';
const SUPPORTED = [JSON_PATCH, MERGE, APPLY];
/** Concurrent writers make a patch retry against the new state, as kube's patcher does. */
const MAX_ATTEMPTS = 5;

function applyPatch(type: string, live: KubeObject, patch: unknown): Record<string, unknown> {
  let result: unknown;
  try {
    result = type === JSON_PATCH ? applyJsonPatch(structuredClone(live), patch) : applyMergePatch(structuredClone(live), patch);
  } catch (err) {
    // A malformed patch is a bad request; a well-formed one that does not apply (a failed test) is 422, as kube answers.
    if (err instanceof PatchError) throw err.code === 400 ? badRequest(err.message) : new StatusError(422, 'Invalid', err.message);
    throw err;
  }
  if (!result || typeof result !== 'object' || Array.isArray(result)) throw badRequest('the patch did not produce an object');
  return result as Record<string, unknown>;
}

async function patchOnce(rr: ResourceRequest, type: string, patch: unknown, warnings: string[]): Promise<KubeObject> {
  const live = getObject(rr, rr.name ?? '');
  const obj = asObject(rr, applyPatch(type, present(rr, live), patch));
  if (obj.metadata.name !== live.metadata.name) throw badRequest('metadata.name cannot be changed by a patch');
  if (obj.metadata.resourceVersion !== live.metadata.resourceVersion) throw conflict(targetOf(rr));
  checkUnknownFields(rr, obj, warnings);
  const next = prepareUpdate(rr, live, obj);
  const admitted = await admit(rr, { operation: 'UPDATE', object: next, live, manager: fieldManager(rr) });
  return persist(rr, admitted, live);
}

function conflictError(rr: ResourceRequest, err: ApplyConflictError): StatusError {
  const t = targetOf(rr);
  return new StatusError(409, 'Conflict', err.message, {
    name: t.name,
    ...(t.group ? { group: t.group } : {}),
    kind: t.resource,
    causes: err.conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"`, field: c.field })),
  });
}

async function applyOnce(rr: ResourceRequest, applied: KubeObject, manager: string): Promise<{ code: number; obj: KubeObject }> {
  const force = boolParam(rr.query, 'force');
  const live = rr.ctx.store.get(keyOf(rr, rr.name ?? ''));
  // serverSideApply copies `applied`, so a retry starts from the same body.
  const input = { applied, manager, force, schema: schemaOf(rr), subresource: rr.subresource };
  let merged: KubeObject;
  try {
    merged = serverSideApply({ ...input, live, apiVersion: apiVersionOf(rr), now: nowTimestamp() });
  } catch (err) {
    if (err instanceof ApplyConflictError) throw conflictError(rr, err);
    throw err;
  }
  if (!live) {
    if (rr.subresource) throw notFound(targetOf(rr));
    return { code: 201, obj: await createObject(rr, asObject(rr, merged)) };
  }
  const next = prepareUpdate(rr, live, asObject(rr, merged));
  const admitted = await admit(rr, { operation: 'UPDATE', object: next, live });
  return { code: 200, obj: persist(rr, admitted, live) };
}

async function readApplied(rr: ResourceRequest, warnings: string[]): Promise<{ applied: KubeObject; manager: string }> {
  const manager = rr.query.get('fieldManager');
  if (!manager) throw invalidOptions('PatchOptions', 'fieldManager', 'Required value: is required for apply patch', 'FieldValueRequired');
  const { value, text } = await readDecoded(rr.req, rr.ctx.maxBodyBytes, { yaml: true });
  const body = requireObject(value);
  if (!body.apiVersion || !body.kind) throw badRequest('apiVersion and kind must be set in an apply patch');
  const applied = asObject(rr, body);
  if (applied.metadata.name && applied.metadata.name !== rr.name) {
    throw badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${rr.name})`);
  }
  applied.metadata.name = rr.name;
  checkUnknownFields(rr, applied, warnings, text);
  return { applied, manager };
}

export async function handlePatch(rr: ResourceRequest): Promise<void> {
  let type = mediaType(rr.req);
  // Built-in kinds accept strategic merge (kubectl patch sends it); for them it is a merge patch here.
  if (type === STRATEGIC && rr.resource.builtin) type = MERGE;
  if (!SUPPORTED.includes(type)) throw unsupportedMediaType(type, SUPPORTED);
  const warnings: string[] = [];
  let run: () => Promise<{ code: number; obj: KubeObject }>;
  // A patch that names a resourceVersion is a precondition: its conflict is final.
  let pinned = false;
  if (type === APPLY) {
    const { applied, manager } = await readApplied(rr, warnings);
    run = () => applyOnce(rr, applied, manager);
  } else {
    const { value: patch } = await readDecoded(rr.req, rr.ctx.maxBodyBytes);
    if (type === MERGE && (!patch || typeof patch !== 'object' || Array.isArray(patch))) throw badRequest('a merge patch must be a JSON object');
    pinned = type === MERGE && typeof (patch as KubeObject).metadata?.resourceVersion === 'string';
    run = async () => ({ code: 200, obj: await patchOnce(rr, type, patch, warnings) });
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const { code, obj } = await run();
      await replyWritten(rr, code, present(rr, obj), warningHeaders([...new Set(warnings)]));
      return;
    } catch (err) {
      const retriable = err instanceof StatusError && (err.reason === 'Conflict' || err.reason === 'AlreadyExists');
      const fieldConflict = err instanceof StatusError && err.details?.causes?.some((c) => c.reason === 'FieldManagerConflict');
      if (!retriable || fieldConflict || pinned || attempt >= MAX_ATTEMPTS) throw err;
    }
  }
}
