import { isDeepStrictEqual } from 'node:util';
import { ENGINE_CONTROLLER_MANAGER } from '../../kube/app.js';
import { isConflict, isNotFound, type KubeClient } from '../../kube/client.js';
import { CONTAINER, apiVersionOf, type ResourceRef } from '../../kube/resources.js';
import type { KubeObject } from '../../kube/types.js';
import { MIRROR_FINALIZER } from '../../kube/containers.js';
import { statusApplyBody, type MirrorDesired } from './mapping.js';

/** Status fields written by the spec.state handler, not by the mirror's apply. */
const ACTION_FIELDS = ['lastAction', 'observedGeneration'];

export type ApplyOutcome = 'created' | 'updated' | 'unchanged';

export function describe(ref: ResourceRef, name: string, namespace?: string): string {
  return `${ref.kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

function mirrorStatusMatches(live: Record<string, unknown> | undefined, desired: Record<string, unknown>): boolean {
  const current = { ...(live ?? {}) };
  for (const f of ACTION_FIELDS) delete current[f];
  return isDeepStrictEqual(current, desired);
}

/**
 * Makes the mirror match the engine, writing only what differs: create
 * (Container spec.state=unknown, the only spec the engine ever writes; with
 * its status in the same write where the client is in-process),
 * re-assert the finalizer (docs/design-rules.md#finalizer-reasserted) with an apply that leaves spec alone, and
 * server-side apply the status. `live` undefined = unknown (read it),
 * null = known absent (full sync already listed).
 */
export async function applyMirror(
  client: KubeClient,
  namespace: string,
  desired: MirrorDesired,
  live?: KubeObject | null,
): Promise<ApplyOutcome> {
  const { ref, name } = desired;
  const what = describe(ref, name, namespace);
  try {
    let obj = live === undefined ? await client.find(ref, name, namespace) : (live ?? undefined);
    let outcome: ApplyOutcome = 'unchanged';
    if (!obj) {
      obj = await createMirror(client, namespace, desired);
      outcome = 'created';
    }
    if (!obj.metadata.deletionTimestamp && !obj.metadata.finalizers?.includes(MIRROR_FINALIZER)) {
      await client.patch(
        ref,
        name,
        { apiVersion: apiVersionOf(ref), kind: ref.kind, metadata: { name, namespace, finalizers: [MIRROR_FINALIZER] } },
        { type: 'apply', namespace, fieldManager: ENGINE_CONTROLLER_MANAGER, force: true },
      );
      if (outcome === 'unchanged') outcome = 'updated';
    }
    if (!mirrorStatusMatches(obj.status, desired.status)) {
      await client.patch(ref, name, statusApplyBody(desired, namespace), {
        type: 'apply',
        subresource: 'status',
        namespace,
        fieldManager: ENGINE_CONTROLLER_MANAGER,
        force: true,
      });
      if (outcome === 'unchanged') outcome = 'updated';
    }
    return outcome;
  } catch (err) {
    throw new Error(`cannot apply ${what}: ${(err as Error).message}`, { cause: err });
  }
}

async function createMirror(client: KubeClient, namespace: string, desired: MirrorDesired): Promise<KubeObject> {
  const { ref, name } = desired;
  const body: KubeObject = {
    apiVersion: apiVersionOf(ref),
    kind: ref.kind,
    metadata: { name, namespace, finalizers: [MIRROR_FINALIZER] },
    ...(ref === CONTAINER ? { spec: { state: 'unknown' } } : {}),
    status: desired.status,
  };
  try {
    // Over HTTPS the status is dropped, and applyMirror applies it next.
    return await client.create(ref, body, { namespace, fieldManager: ENGINE_CONTROLLER_MANAGER, withStatus: true });
  } catch (err) {
    // Created concurrently (an event raced the full sync): use what is there.
    if (isConflict(err)) return client.get(ref, name, namespace);
    throw err;
  }
}

/** Removes our finalizer (optimistic concurrency, re-read on conflict); a vanished object is fine. */
export async function stripFinalizer(client: KubeClient, ref: ResourceRef, obj: KubeObject): Promise<void> {
  const { name, namespace } = obj.metadata;
  let current: KubeObject | undefined = obj;
  for (let attempt = 0; current && current.metadata.finalizers?.includes(MIRROR_FINALIZER); attempt++) {
    const rest = current.metadata.finalizers.filter((f) => f !== MIRROR_FINALIZER);
    try {
      await client.patch(
        ref,
        name!,
        { metadata: { resourceVersion: current.metadata.resourceVersion, finalizers: rest.length > 0 ? rest : null } },
        { type: 'merge', namespace },
      );
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isConflict(err) || attempt >= 4) {
        throw new Error(`cannot remove the finalizer of ${describe(ref, name!, namespace)}: ${(err as Error).message}`, { cause: err });
      }
      current = await client.find(ref, name!, namespace);
    }
  }
}

/**
 * Engine-side removal: strip the finalizer first, then delete, so the
 * finalizer handler never sees the deletion and calls the engine back.
 */
export async function removeMirror(client: KubeClient, ref: ResourceRef, name: string, namespace: string, live?: KubeObject): Promise<boolean> {
  const obj = live ?? (await client.find(ref, name, namespace));
  if (!obj) return false;
  await stripFinalizer(client, ref, obj);
  if (obj.metadata.deletionTimestamp) return true;
  try {
    await client.delete(ref, name, { namespace });
  } catch (err) {
    if (!isNotFound(err)) throw new Error(`cannot delete ${describe(ref, name, namespace)}: ${(err as Error).message}`, { cause: err });
  }
  return true;
}
