import type { KubeObject } from '../../../kube/types.js';
import { apiVersionOf, isDryRun, keyOf, present, targetOf, type ResourceRequest } from '../../context.js';
import { deleteObject, IMMORTAL_NAMESPACE_MESSAGE, IMMORTAL_NAMESPACES } from '../../lifecycle/deletion.js';
import { conflict, forbidden, invalidOptions } from '../errors.js';
import { readDecoded, requireObject } from '../http.js';
import { NAMESPACES } from '../../registry/registry.js';
import { RevisionMismatch } from '../../store/store.js';
import { nameOf } from '../../store/stored-object.js';
import { FOREGROUND_DELETION, type PropagationPolicy } from '../../lifecycle/gc.js';
import { boolParam } from '../query.js';
import { callerOf, replyWritten, runHooks } from '../../admission/admit.js';
import { getObject } from './read.js';
import { selectorPredicate } from '../filters.js';

interface DeleteOptions {
  dryRun?: string[];
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: string;
  orphanDependents?: boolean;
}

const POLICIES = ['Foreground', 'Background', 'Orphan'];

/** How dependents go (DeleteOptions body or query); kube's default for these kinds is Background. */
function propagationOf(rr: ResourceRequest, opts: DeleteOptions): PropagationPolicy {
  const policy = opts.propagationPolicy ?? rr.query.get('propagationPolicy') ?? undefined;
  const orphan = opts.orphanDependents ?? (rr.query.has('orphanDependents') ? boolParam(rr.query, 'orphanDependents') : undefined);
  if (policy !== undefined && !POLICIES.includes(policy)) {
    const message = `Unsupported value: ${JSON.stringify(policy)}: supported values: "Foreground", "Background", "Orphan", "nil"`;
    throw invalidOptions('DeleteOptions', 'propagationPolicy', message, 'FieldValueNotSupported');
  }
  if (policy !== undefined && orphan !== undefined) {
    throw invalidOptions('DeleteOptions', 'propagationPolicy', 'Invalid value: "null": orphanDependents and deletionPropagation cannot be both set');
  }
  if (orphan) return 'Orphan';
  // Stryker disable next-line StringLiteral: only Foreground and Orphan change what a delete does; any other value, '' too, deletes as Background
  return (policy as PropagationPolicy | undefined) ?? 'Background';
}

async function readOptions(rr: ResourceRequest): Promise<DeleteOptions> {
  const { value } = await readDecoded(rr.req, rr.ctx.maxBodyBytes, { optional: true });
  return value === undefined ? {} : (requireObject(value) as DeleteOptions);
}

function checkPreconditions(rr: ResourceRequest, live: KubeObject, opts: DeleteOptions): void {
  const { uid, resourceVersion } = opts.preconditions ?? {};
  if (uid && uid !== live.metadata.uid) {
    throw conflict(targetOf(rr, live.metadata.name), `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${live.metadata.uid}`);
  }
  if (resourceVersion && resourceVersion !== live.metadata.resourceVersion) {
    throw conflict(
      targetOf(rr, live.metadata.name),
      `Precondition failed: ResourceVersion in precondition: ${resourceVersion}, ResourceVersion in object meta: ${live.metadata.resourceVersion}`,
    );
  }
}

function admitDelete(rr: ResourceRequest, live: KubeObject, dryRun: boolean): Promise<void> {
  const request = {
    operation: 'DELETE' as const,
    group: rr.resource.group,
    version: rr.version.name,
    kind: rr.resource.kind,
    name: nameOf(live),
    namespace: live.metadata.namespace,
    oldObject: live,
    dryRun,
    ...callerOf(rr),
  };
  return runHooks(rr, request, 'validate');
}

/** Foreground deletion waits (behind a finalizer) for the dependents the garbage collector deletes. */
function withPropagation(rr: ResourceRequest, live: KubeObject, policy: PropagationPolicy, dryRun: boolean): KubeObject {
  if (policy === 'Orphan' && !dryRun) rr.ctx.gc.orphan(live);
  if (policy !== 'Foreground' || live.metadata.deletionTimestamp || live.metadata.finalizers?.includes(FOREGROUND_DELETION)) return live;
  const marked = structuredClone(live);
  marked.metadata.finalizers = [...(live.metadata.finalizers ?? []), FOREGROUND_DELETION];
  return marked;
}

/** kube's NamespaceLifecycle: its own namespaces are refused before anything is read, whether they exist or not. */
function refuseImmortal(rr: ResourceRequest, name: string): void {
  if (rr.resource === NAMESPACES && IMMORTAL_NAMESPACES.includes(name)) throw forbidden(targetOf(rr, name), IMMORTAL_NAMESPACE_MESSAGE);
}

/** Deletes one object; the result is the object when it lingers (finalizers, namespaces), else a Success Status. */
async function deleteOne(rr: ResourceRequest, stored: KubeObject, dryRun: boolean, policy: PropagationPolicy): Promise<{ body: unknown; object: KubeObject }> {
  refuseImmortal(rr, nameOf(stored));
  await admitDelete(rr, stored, dryRun);
  const live = rr.resource === NAMESPACES ? stored : withPropagation(rr, stored, policy, dryRun);
  const name = nameOf(live);
  if (rr.resource === NAMESPACES) {
    const object = rr.ctx.namespaces.terminate(live, dryRun);
    return { body: present(rr, object), object };
  }
  try {
    const { object, removed } = deleteObject(rr.ctx.store, keyOf(rr, name, live.metadata.namespace), live, dryRun);
    if (!removed) return { body: present(rr, object), object };
    const details = { name, ...(rr.resource.group ? { group: rr.resource.group } : {}), kind: rr.resource.plural, uid: live.metadata.uid };
    return { body: { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Success', details }, object };
  } catch (err) {
    if (err instanceof RevisionMismatch) throw conflict(targetOf(rr, name));
    throw err;
  }
}

function dryRunOf(rr: ResourceRequest, opts: DeleteOptions): boolean {
  return isDryRun(rr, Array.isArray(opts.dryRun) ? opts.dryRun : []);
}

export async function handleDelete(rr: ResourceRequest): Promise<void> {
  const opts = await readOptions(rr);
  // Stryker disable StringLiteral: DELETE of one object is routed only for a path that names it, so rr.name is always set
  refuseImmortal(rr, rr.name ?? '');
  const live = getObject(rr, rr.name ?? '');
  // Stryker restore StringLiteral
  checkPreconditions(rr, live, opts);
  const { body } = await deleteOne(rr, live, dryRunOf(rr, opts), propagationOf(rr, opts));
  await replyWritten(rr, 200, body);
}

export async function handleDeleteCollection(rr: ResourceRequest): Promise<void> {
  const opts = await readOptions(rr);
  const policy = propagationOf(rr, opts);
  const matches = selectorPredicate(rr);
  const { items, revision } = rr.ctx.store.list(rr.resource.storageKey, rr.resource.namespaced ? rr.namespace : undefined);
  const deleted: KubeObject[] = [];
  for (const live of matches ? items.filter(matches) : items) {
    const { object } = await deleteOne(rr, live, dryRunOf(rr, opts), policy);
    deleted.push(present(rr, object));
  }
  await replyWritten(rr, 200, { apiVersion: apiVersionOf(rr), kind: rr.resource.listKind, metadata: { resourceVersion: String(revision) }, items: deleted });
}
