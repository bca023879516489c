import { CONTAINER, IMAGE, VOLUME, type ResourceRef } from '../../kube/resources.js';
import type { KubeObject } from '../../kube/types.js';
import { settleAll } from './concurrency.js';
import { dockerMessage, isDockerNotFound } from './docker-client.js';
import {
  containerMirror,
  imageMirrors,
  volumeMirror,
  type ContainerInspect,
  type ImageInspect,
  type MirrorDesired,
  type VolumeInspect,
} from './mapping.js';
import { applyMirror, describe, removeMirror } from './mirror-store.js';
import { containerMirrorName, imageMirrorName, volumeMirrorName } from './naming.js';
import type { MirrorContext } from './session-context.js';

/** Parallel engine inspects and API writes; enough to hide latency, few enough for 2 cores. */
const PARALLEL = 16;

export interface FullSyncHooks {
  /** Test seam: runs after the engine was listed, before mirrors are written. */
  afterEngineList?(): Promise<void> | void;
}

export interface FullSyncResult {
  applied: number;
  pruned: number;
  failed: number;
  /** Time spent listing the engine, and inspecting + writing mirrors (for the log and the bench). */
  listMs?: number;
  syncMs?: number;
}

/** How one kind's engine objects become mirrors: the items listed, and per item its desired mirrors. */
interface KindSource<T> {
  ref: ResourceRef;
  items: T[];
  idOf(item: T): string;
  /** The desired mirrors of one item (inspecting it when needed); a not-found error means it is gone. */
  mirrorsOf(item: T): Promise<MirrorDesired[]>;
  mirrorNameOf(id: string): string;
}

/**
 * List everything the engine has (stopped containers too), then per item
 * inspect it and apply its mirrors at once, so the engine's work and the
 * API writes overlap; finally prune mirrors with no engine object. A broken
 * item is logged and skipped, its mirror kept
 * (docs/design-rules.md#broken-item-skipped); a container that vanished
 * between list and inspect is simply gone.
 */
export async function fullSync(ctx: MirrorContext, hooks: FullSyncHooks = {}): Promise<FullSyncResult> {
  const { docker } = ctx;
  const started = Date.now();
  const [containers, images, volumes] = await Promise.all([
    docker.listContainers({ all: true }),
    docker.listImages({ all: false }),
    docker.listVolumes(),
  ]);
  await hooks.afterEngineList?.();
  const listed = Date.now();

  const results = await Promise.all([
    syncKind(ctx, {
      ref: CONTAINER,
      items: containers.map((x) => x.Id),
      idOf: (id) => id,
      mirrorsOf: async (id) => [containerMirror((await docker.getContainer(id).inspect()) as ContainerInspect)],
      mirrorNameOf: containerMirrorName,
    }),
    syncKind(ctx, {
      ref: IMAGE,
      items: images.map((x) => x.Id),
      idOf: (id) => id,
      mirrorsOf: async (id) => imageMirrors((await docker.getImage(id).inspect()) as ImageInspect),
      mirrorNameOf: imageMirrorName,
    }),
    syncKind(ctx, {
      ref: VOLUME,
      items: (volumes.Volumes ?? []) as VolumeInspect[],
      idOf: (v) => v.Name,
      mirrorsOf: async (v) => [volumeMirror(v)],
      mirrorNameOf: volumeMirrorName,
    }),
  ]);
  const total = results.reduce(
    (sum, r) => ({ applied: sum.applied + r.applied, pruned: sum.pruned + r.pruned, failed: sum.failed + r.failed }),
    { applied: 0, pruned: 0, failed: 0 },
  );
  return { ...total, listMs: listed - started, syncMs: Date.now() - listed };
}

async function syncKind<T>(ctx: MirrorContext, source: KindSource<T>): Promise<FullSyncResult> {
  const { ref } = source;
  const list = await ctx.client.list(ref, { namespace: ctx.namespace });
  const live = new Map<string, KubeObject>(list.items.map((o) => [o.metadata.name!, o]));
  const result: FullSyncResult = { applied: 0, pruned: 0, failed: 0 };
  const wanted = new Set<string>();
  /** Mirrors of items that could not be inspected: left as they are, never pruned. */
  const keep = new Set<string>();

  await settleAll(source.items, PARALLEL, async (item) => {
    const id = source.idOf(item);
    let mirrors: MirrorDesired[];
    try {
      mirrors = await source.mirrorsOf(item);
    } catch (err) {
      if (isDockerNotFound(err)) return;
      result.failed++;
      keep.add(source.mirrorNameOf(id));
      ctx.log.warn(`full sync: cannot inspect ${ref.kind.toLowerCase()} ${id}, leaving its mirror as is`, { error: dockerMessage(err) });
      return;
    }
    for (const d of mirrors) {
      wanted.add(d.name);
      try {
        if ((await applyMirror(ctx.client, ctx.namespace, d, live.get(d.name) ?? null)) !== 'unchanged') result.applied++;
      } catch (err) {
        result.failed++;
        ctx.log.warn(`full sync: ${(err as Error).message}`, { object: describe(ref, d.name, ctx.namespace) });
      }
    }
  });

  const stale = [...live.values()].filter((o) => !wanted.has(o.metadata.name!) && !isKept(o, keep));
  const pruned = await settleAll(stale, PARALLEL, (o) => removeMirror(ctx.client, ref, o.metadata.name!, ctx.namespace, o));
  pruned.forEach((r, n) => {
    if (r.status === 'fulfilled') result.pruned++;
    else {
      result.failed++;
      ctx.log.warn(`full sync: cannot prune ${describe(ref, stale[n].metadata.name!, ctx.namespace)}`, { error: r.reason });
    }
  });
  return result;
}

/** An image that failed to inspect keeps all its per-tag mirrors (they share the id prefix). */
function isKept(obj: KubeObject, keep: Set<string>): boolean {
  const name = obj.metadata.name!;
  if (keep.has(name)) return true;
  for (const k of keep) if (name.startsWith(`${k}-`)) return true;
  return false;
}
