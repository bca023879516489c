import { CONTAINER, IMAGE, VOLUME, type ResourceRef } from '../../kube/resources.js';
import type { KubeObject } from '../../kube/types.js';
import { MIRROR_FINALIZER } from '../../kube/containers.js';
import { dockerMessage, isDockerNotFound } from './docker-client.js';
import type { ImageInspect } from './mapping.js';
import { describe, stripFinalizer } from './mirror-store.js';
import type { MirrorContext } from './session-context.js';

/*
 * API-side delete: the finalizer handler removes the engine object, then
 * strips the finalizer. When the engine refuses (an image in use) it throws,
 * the mirror stays Terminating, and the work queue retries this one key with
 * backoff — other keys (other kinds, other objects) are unaffected (I2).
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

/** A Volume with no status.name has nothing to remove in the engine: it just loses the finalizer (S7). */
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
    throw new Error(`${what}: the engine refused to remove it: ${dockerMessage(err)}`, { cause: err });
  }
  await stripFinalizer(ctx.client, ref, mirror);
  ctx.log.info(`removed the engine object of ${what}`);
}
