import { CONTAINER, IMAGE, VOLUME, type ResourceRef } from '../../kube/resources.js';
import type { KubeObject } from '../../kube/types.js';
import { DELETING_CONDITION, DeletingReason, MIRROR_DELETION_MANAGER, MIRROR_FINALIZER } from '../../kube/containers.js';
import { nextCondition } from '../../kube/conditions.js';
import { apiVersionOf } from '../../kube/resources.js';
import type { Condition } from '../../kube/types.js';
import { dockerMessage, isDockerConflict, isDockerNotFound } from './docker-client.js';
import type { ImageInspect } from './mapping.js';
import { describe, stripFinalizer } from './mirror-store.js';
import type { MirrorContext } from './session-context.js';

/*
 * API-side delete: the finalizer handler removes the engine object, then
 * strips the finalizer. When the engine refuses (an image or volume in use)
 * the mirror stays Terminating with a Deleting=False condition saying why, and
 * the work queue retries this one key with backoff — other keys (other kinds,
 * other objects) are unaffected (docs/design-rules.md#finalizer-errors-aggregated).
 * A container's removal retries at once (see the engine controller).
 */

async function ignoreGone(op: () => Promise<unknown>): Promise<void> {
  try {
    await op();
  } catch (err) {
    if (!isDockerNotFound(err)) throw err;
  }
}

type Remover = (ctx: MirrorContext, mirror: KubeObject) => Promise<void>;

const removeContainer: Remover = (ctx, mirror) =>
  ignoreGone(() => ctx.docker.getContainer(mirror.metadata.name!).remove({ force: true }));

/** The tag, or by ID when dangling; never forced, so an image in use stays and the delete is retried. */
const removeImage: Remover = async (ctx, mirror) => {
  const id = mirror.status?.id as string | undefined;
  const repoTag = mirror.status?.repoTag as string | undefined;
  if (repoTag) {
    let current: ImageInspect | undefined;
    try {
      current = (await ctx.docker.getImage(repoTag).inspect()) as ImageInspect;
    } catch (err) {
      if (isDockerNotFound(err)) return;
      throw err;
    }
    // The tag moved to another image since this mirror was written: nothing of ours to remove.
    if (id && current.Id !== id) return;
    await ignoreGone(() => ctx.docker.getImage(repoTag).remove());
    return;
  }
  if (id) await ignoreGone(() => ctx.docker.getImage(id).remove());
};

/** A Volume with no status.name has nothing to remove in the engine: it just loses the finalizer (docs/design-rules.md#empty-volume-name-deletable). */
const removeVolume: Remover = async (ctx, mirror) => {
  const name = mirror.status?.name as string | undefined;
  if (name) await ignoreGone(() => ctx.docker.getVolume(name).remove());
};

const REMOVERS = new Map<ResourceRef, Remover>([
  [CONTAINER, removeContainer],
  [IMAGE, removeImage],
  [VOLUME, removeVolume],
]);

export function isBeingDeleted(mirror: KubeObject): boolean {
  return Boolean(mirror.metadata.deletionTimestamp) && Boolean(mirror.metadata.finalizers?.includes(MIRROR_FINALIZER));
}

export async function finalizeMirror(ctx: MirrorContext, ref: ResourceRef, mirror: KubeObject): Promise<void> {
  const remover = REMOVERS.get(ref);
  if (!remover) return;
  const what = describe(ref, mirror.metadata.name!, mirror.metadata.namespace);
  try {
    await remover(ctx, mirror);
  } catch (err) {
    const refused = new Error(`${what}: the engine refused to remove it: ${dockerMessage(err)}`, { cause: err });
    const reason = isDockerConflict(err) ? DeletingReason.InUse : DeletingReason.EngineRefused;
    ctx.events.record(mirror, 'Warning', 'DeletionBlocked', `the engine refused to remove it: ${dockerMessage(err)}`);
    await reportBlocked(ctx, ref, mirror, reason, `the engine refused to remove it: ${dockerMessage(err)}`).catch((writeErr: unknown) =>
      ctx.log.warn(`cannot report why ${what} is not deleted`, { error: writeErr }),
    );
    throw refused;
  }
  await stripFinalizer(ctx.client, ref, mirror);
  ctx.log.info(`removed the engine object of ${what}`);
}

/**
 * Says on the mirror why its deletion is stuck. Server-side apply under a manager
 * of its own, so the sync's own apply of the status never drops it.
 */
async function reportBlocked(ctx: MirrorContext, ref: ResourceRef, mirror: KubeObject, reason: string, message: string): Promise<void> {
  const existing = mirror.status?.conditions as Condition[] | undefined;
  const previous = existing?.find((c) => c.type === DELETING_CONDITION);
  if (previous?.reason === reason && previous.message === message) return;
  const condition = nextCondition(existing, { type: DELETING_CONDITION, status: 'False', reason, message });
  await ctx.client.patch(
    ref,
    mirror.metadata.name!,
    { apiVersion: apiVersionOf(ref), kind: ref.kind, metadata: { name: mirror.metadata.name }, status: { conditions: [condition] } },
    { type: 'apply', subresource: 'status', namespace: mirror.metadata.namespace, fieldManager: MIRROR_DELETION_MANAGER, force: true },
  );
}
