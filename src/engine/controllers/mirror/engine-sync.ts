import { CONTAINER, IMAGE, VOLUME } from '../../kube/resources.js';
import type { KubeObject } from '../../kube/types.js';
import { isDockerNotFound } from './docker-client.js';
import {
  containerMirror,
  imageMirrors,
  imageTags,
  volumeMirror,
  type ContainerInspect,
  type ImageInspect,
  type MirrorDesired,
  type VolumeInspect,
} from './mapping.js';
import { applyMirror, removeMirror } from './mirror-store.js';
import { containerMirrorName, volumeMirrorName } from './naming.js';
import type { EngineKey } from './routing.js';
import type { MirrorContext } from './session-context.js';

/*
 * Per-object sync: what one Docker event triggers. Each re-inspects the one
 * engine object and fixes only its mirrors (O(1) per event); a 404 means the
 * engine removed it, so its mirrors go without calling the engine back.
 */

async function inspectOrGone<T>(inspect: () => Promise<T>): Promise<T | undefined> {
  try {
    return await inspect();
  } catch (err) {
    if (isDockerNotFound(err)) return undefined;
    throw err;
  }
}

/** Skips the read of a mirror the watch never saw: one round trip less on the way to a new mirror. */
function applyKnown(ctx: MirrorContext, desired: MirrorDesired): Promise<unknown> {
  return applyMirror(ctx.client, ctx.namespace, desired, ctx.mayExist(desired.ref, desired.name) ? undefined : null);
}

export async function syncContainer(ctx: MirrorContext, id: string): Promise<void> {
  const inspect = await inspectOrGone(() => ctx.docker.getContainer(id).inspect() as Promise<ContainerInspect>);
  if (!inspect) {
    await removeMirror(ctx.client, CONTAINER, containerMirrorName(id), ctx.namespace);
    return;
  }
  await applyKnown(ctx, containerMirror(inspect));
}

export async function syncVolume(ctx: MirrorContext, name: string): Promise<void> {
  const inspect = await inspectOrGone(() => ctx.docker.getVolume(name).inspect() as Promise<VolumeInspect>);
  if (!inspect) {
    await removeMirror(ctx.client, VOLUME, volumeMirrorName(name), ctx.namespace);
    return;
  }
  await applyKnown(ctx, volumeMirror(inspect));
}

async function mirrorsWhere(ctx: MirrorContext, field: 'status.id' | 'status.repoTag', value: string): Promise<KubeObject[]> {
  const list = await ctx.client.list(IMAGE, { namespace: ctx.namespace, fieldSelector: `${field}=${value}` });
  return list.items;
}

/**
 * `ref` is an image ID or a reference (pull events carry the reference).
 * Applies one mirror per current tag (or the dangling one), prunes this
 * image's mirrors of tags that are gone, and re-syncs images that lost one
 * of these tags to it (a pull moving `busybox:latest` leaves the old image
 * dangling).
 */
export function syncImage(ctx: MirrorContext, ref: string): Promise<void> {
  return ctx.imageLock.run(() => syncImageNow(ctx, ref));
}

async function syncImageNow(ctx: MirrorContext, ref: string): Promise<void> {
  const inspect = await inspectOrGone(() => ctx.docker.getImage(ref).inspect() as Promise<ImageInspect>);
  if (!inspect) {
    for (const m of await mirrorsWhere(ctx, 'status.id', ref)) {
      await removeMirror(ctx.client, IMAGE, m.metadata.name!, ctx.namespace, m);
    }
    for (const m of await mirrorsWhere(ctx, 'status.repoTag', ref)) {
      ctx.enqueue({ kind: 'image', id: String(m.status?.id) });
    }
    return;
  }
  const desired = imageMirrors(inspect);
  for (const d of desired) await applyKnown(ctx, d);
  const keep = new Set(desired.map((d) => d.name));
  for (const m of await mirrorsWhere(ctx, 'status.id', inspect.Id)) {
    if (!keep.has(m.metadata.name!)) await removeMirror(ctx.client, IMAGE, m.metadata.name!, ctx.namespace, m);
  }
  for (const tag of imageTags(inspect)) {
    for (const m of await mirrorsWhere(ctx, 'status.repoTag', tag)) {
      if (m.status?.id !== inspect.Id) ctx.enqueue({ kind: 'image', id: String(m.status?.id) });
    }
  }
}

export const ENGINE_SYNC: Record<EngineKey['kind'], (ctx: MirrorContext, id: string) => Promise<void>> = {
  container: syncContainer,
  image: syncImage,
  volume: syncVolume,
};
