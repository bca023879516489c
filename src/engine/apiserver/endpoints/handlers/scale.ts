import type { KubeObject } from '../../../kube/types.js';
import { targetOf, type ResourceRequest } from '../../context.js';
import { badRequest, conflict, invalid, StatusError, unsupportedMediaType } from '../errors.js';
import { mediaType, readDecoded, sendJson } from '../http.js';
import { applyJsonPatch } from '../../patch/json-patch.js';
import { applyMergePatch } from '../../patch/merge-patch.js';
import { PatchError } from '../../patch/patch-error.js';
import type { ScaleSpec } from '../../registry/types.js';
import { admit, persist, replyWritten } from '../../admission/admit.js';
import { fieldManager } from './prepare.js';
import { getObject } from './read.js';

/*
 * The scale subresource of a CRD that declares one: an autoscaling/v1 Scale
 * read from and written to the object's replicas paths (`kubectl scale`).
 */

const PATCH_TYPES = ['application/merge-patch+json', 'application/json-patch+json', 'application/strategic-merge-patch+json'];

const segments = (path: string) => path.split('.').filter(Boolean);

function readPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const seg of segments(path)) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
  return cur;
}

function writePath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const segs = segments(path);
  let cur = obj;
  for (const seg of segs.slice(0, -1)) {
    if (!cur[seg] || typeof cur[seg] !== 'object') cur[seg] = {};
    cur = cur[seg] as Record<string, unknown>;
  }
  cur[segs[segs.length - 1]] = value;
}

function scaleSpec(rr: ResourceRequest): ScaleSpec {
  const spec = rr.version.scale;
  if (!spec) throw new Error(`${rr.resource.kind} has no scale subresource`);
  return spec;
}

function toScale(rr: ResourceRequest, obj: KubeObject): KubeObject {
  const spec = scaleSpec(rr);
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
  const selector = spec.labelSelectorPath ? readPath(obj, spec.labelSelectorPath) : undefined;
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: readPath(obj, spec.specReplicasPath) ?? 0 },
    status: { replicas: readPath(obj, spec.statusReplicasPath) ?? 0, ...(typeof selector === 'string' ? { selector } : {}) },
  };
}

async function requestedScale(rr: ResourceRequest, live: KubeObject): Promise<Record<string, unknown>> {
  const type = mediaType(rr.req);
  const { value: body } = await readDecoded(rr.req, rr.ctx.maxBodyBytes);
  if (rr.req.method === 'PUT') {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the request body must be a Scale object');
    return body as Record<string, unknown>;
  }
  if (!PATCH_TYPES.includes(type)) throw unsupportedMediaType(type, PATCH_TYPES);
  try {
    const current = toScale(rr, live);
    return (type === 'application/json-patch+json' ? applyJsonPatch(current, body) : applyMergePatch(current, body)) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof PatchError) throw err.code === 400 ? badRequest(err.message) : new StatusError(422, 'Invalid', err.message);
    throw err;
  }
}

export async function handleScale(rr: ResourceRequest): Promise<void> {
  const live = getObject(rr, rr.name ?? '');
  if (rr.req.method === 'GET') {
    sendJson(rr.res, 200, toScale(rr, live));
    return;
  }
  const scale = await requestedScale(rr, live);
  const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas;
  if (!Number.isInteger(replicas) || (replicas as number) < 0) {
    throw invalid({ group: 'autoscaling', kind: 'Scale', name: rr.name }, [
      { reason: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0` },
    ]);
  }
  const rv = (scale.metadata as { resourceVersion?: unknown } | undefined)?.resourceVersion;
  if (rv && rv !== live.metadata.resourceVersion) throw conflict(targetOf(rr));
  const next = structuredClone(live);
  writePath(next, scaleSpec(rr).specReplicasPath, replicas);
  const admitted = await admit(rr, { operation: 'UPDATE', object: next, live, manager: fieldManager(rr) });
  await replyWritten(rr, 200, toScale(rr, persist(rr, admitted, live)));
}
