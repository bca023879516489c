import type { KubeObject } from '../../../kube/types.js';
import { apiVersionOf, present, schemaOf, targetOf, type ResourceRequest } from '../../context.js';
import { badRequest, conflict, invalid, unsupportedMediaType } from '../errors.js';
import { mediaType, readBody, readDecoded, requireObject, warningHeaders } from '../http.js';
import { decodeProtobuf, PROTOBUF_KINDS } from '../protobuf.js';
import { admit, checkUnknownFields, persist, replyWritten } from '../../admission/admit.js';
import { asObject, checkNamespaceOpen, fieldManager, prepareCreate, prepareUpdate } from './prepare.js';
import { getObject } from './read.js';
import { trackCreateWithStatus } from '../../patch/managed-fields.js';
import { isObject } from '../../schema/json-value.js';
import { nowTimestamp } from '../../timestamp.js';

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/** The request body as an object: JSON, YAML, or (built-in kinds, from kubectl's typed commands) protobuf. */
export async function decodeRequestObject(rr: ResourceRequest): Promise<{ body: Record<string, unknown>; text?: string }> {
  const type = mediaType(rr.req);
  const protobuf = rr.resource.builtin && PROTOBUF_KINDS.includes(rr.resource.kind);
  const accepted = ['application/json', 'application/yaml', ...(protobuf ? [PROTOBUF] : [])];
  if (type && !accepted.includes(type)) throw unsupportedMediaType(type, accepted);
  if (type === PROTOBUF) return { body: decodeProtobuf(await readBody(rr.req, rr.ctx.maxBodyBytes)) };
  const { value, text } = await readDecoded(rr.req, rr.ctx.maxBodyBytes, { yaml: type === 'application/yaml' });
  return { body: requireObject(value), text };
}

async function readObject(rr: ResourceRequest, warnings: string[]): Promise<KubeObject> {
  const { body, text } = await decodeRequestObject(rr);
  const obj = asObject(rr, body);
  checkUnknownFields(rr, obj, warnings, text);
  return obj;
}

/** Creates a new object (admission included) from a decoded one; shared by POST and server-side apply. */
export async function createObject(rr: ResourceRequest, obj: KubeObject, manager?: string): Promise<KubeObject> {
  // Without a manager the caller (server-side apply) has computed managedFields already.
  const managed = manager === undefined ? obj.metadata.managedFields : undefined;
  prepareCreate(rr, obj);
  if (managed) obj.metadata.managedFields = managed;
  checkNamespaceOpen(rr, obj.metadata.name ?? '');
  const admitted = await admit(rr, { operation: 'CREATE', object: obj, manager });
  return persist(rr, admitted, undefined);
}

/**
 * An in-process create that keeps its status (ApiRequest.withStatus): one
 * write, and one ADDED event, storing what a create followed by the same
 * manager's forced server-side apply of that status through /status would
 * store. The engine controller creates its mirrors this way, so that watchers
 * never see a mirror without its status and a full sync writes each once.
 */
async function createWithStatus(rr: ResourceRequest, obj: KubeObject, manager: string): Promise<KubeObject> {
  const appliedStatus = obj.status;
  if (!rr.version.statusSubresource || !isObject(appliedStatus)) return createObject(rr, obj, manager);
  prepareCreate(rr, obj);
  obj.status = structuredClone(appliedStatus);
  checkNamespaceOpen(rr, obj.metadata.name ?? '');
  // No manager: admission leaves managedFields to us, which cover the two writes this one stands for.
  const admitted = await admit(rr, { operation: 'CREATE', object: obj });
  admitted.metadata.managedFields = trackCreateWithStatus({
    created: admitted,
    appliedStatus,
    manager,
    schema: schemaOf(rr),
    apiVersion: apiVersionOf(rr),
    now: nowTimestamp(),
  });
  return persist(rr, admitted, undefined);
}

export async function handleCreate(rr: ResourceRequest): Promise<void> {
  const warnings: string[] = [];
  const obj = await readObject(rr, warnings);
  const manager = fieldManager(rr);
  const created = rr.req.withStatus ? await createWithStatus(rr, obj, manager) : await createObject(rr, obj, manager);
  await replyWritten(rr, 201, present(rr, created), warningHeaders(warnings));
}

/** PUT: a full replacement that must name the stored resourceVersion. */
export async function handleUpdate(rr: ResourceRequest): Promise<void> {
  const warnings: string[] = [];
  const obj = await readObject(rr, warnings);
  const name = rr.name ?? '';
  if (obj.metadata.name && obj.metadata.name !== name) {
    throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
  }
  obj.metadata.name = name;
  const live = getObject(rr, name);
  const rv = obj.metadata.resourceVersion;
  if (!rv) {
    throw invalid({ ...targetOf(rr), kind: rr.resource.kind }, [
      { reason: 'FieldValueInvalid', field: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' },
    ]);
  }
  if (rv !== live.metadata.resourceVersion) throw conflict(targetOf(rr));
  // A full replacement naming another uid is a failed precondition, as in kube.
  if (obj.metadata.uid && obj.metadata.uid !== live.metadata.uid) {
    throw conflict(targetOf(rr), `Precondition failed: UID in precondition: ${obj.metadata.uid}, UID in object meta: ${live.metadata.uid}`);
  }
  const next = prepareUpdate(rr, live, obj);
  const admitted = await admit(rr, { operation: 'UPDATE', object: next, live, manager: fieldManager(rr) });
  await replyWritten(rr, 200, present(rr, persist(rr, admitted, live)), warningHeaders(warnings));
}
