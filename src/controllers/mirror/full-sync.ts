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
import { containerMirrorName, imageMirrorName } from './naming.js';
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
  /** Time spent listing + inspecting the engine, and writing mirrors (for the log and the bench). */
  engineMs?: number;
  writeMs?: number;
}

interface Desired {
  mirrors: MirrorDesired[];
  /** Mirrors of items that could not be inspected: left as they are, never pruned (docs/design-rules.md#broken-item-skipped). */
  keep: Set<string>;
  failed: number;
}

/**
 * List + inspect everything the engine has (stopped containers too), apply
 * every mirror, prune mirrors with no engine object. A broken item is logged
 * and skipped (docs/design-rules.md#broken-item-skipped); a container that vanished between list and inspect is
 * simply gone.
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

  const [c, i, v] = await Promise.all([
    inspectAll(ctx, CONTAINER, containers.map((x) => x.Id), async (id) => {
      const inspect = (await docker.getContainer(id).inspect()) as ContainerInspect;
      return [containerMirror(inspect)];
    }, containerMirrorName),
    inspectAll(ctx, IMAGE, images.map((x) => x.Id), async (id) => {
      return imageMirrors((await docker.getImage(id).inspect()) as ImageInspect);
    }, imageMirrorName),
    Promise.resolve<Desired>({ mirrors: (volumes.Volumes ?? []).map((x) => volumeMirror(x as VolumeInspect)), keep: new Set(), failed: 0 }),
  ]);

  const inspected = Date.now();
  const results = await Promise.all([
    reconcileKind(ctx, CONTAINER, c),
    reconcileKind(ctx, IMAGE, i),
    reconcileKind(ctx, VOLUME, v),
  ]);
  const total = results.reduce(
    (sum, r) => ({ applied: sum.applied + r.applied, pruned: sum.pruned + r.pruned, failed: sum.failed + r.failed }),
    { applied: 0, pruned: 0, failed: c.failed + i.failed },
  );
  return { ...total, engineMs: inspected - started, writeMs: Date.now() - inspected };
}

async function inspectAll(
  ctx: MirrorContext,
  ref: ResourceRef,
  ids: string[],
  inspect: (id: string) => Promise<MirrorDesired[]>,
  mirrorNameOf: (id: string) => string,
): Promise<Desired> {
  const settled = await settleAll(ids, PARALLEL, inspect);
  const desired: Desired = { mirrors: [], keep: new Set(), failed: 0 };
  settled.forEach((r, n) => {
    if (r.status === 'fulfilled') {
      desired.mirrors.push(...r.value);
    } else if (!isDockerNotFound(r.reason)) {
      desired.failed++;
      desired.keep.add(mirrorNameOf(ids[n]));
      ctx.log.warn(`full sync: cannot inspect ${ref.kind.toLowerCase()} ${ids[n]}, leaving its mirror as is`, {
        error: dockerMessage(r.reason),
      });
    }
  });
  return desired;
}

async function reconcileKind(ctx: MirrorContext, ref: ResourceRef, desired: Desired): Promise<FullSyncResult> {
  const list = await ctx.client.list(ref, { namespace: ctx.namespace });
  const live = new Map<string, KubeObject>(list.items.map((o) => [o.metadata.name!, o]));
  const result: FullSyncResult = { applied: 0, pruned: 0, failed: 0 };

  const applied = await settleAll(desired.mirrors, PARALLEL, (d) => applyMirror(ctx.client, ctx.namespace, d, live.get(d.name) ?? null));
  applied.forEach((r, n) => {
    if (r.status === 'fulfilled') {
      if (r.value !== 'unchanged') result.applied++;
    } else {
      result.failed++;
      ctx.log.warn(`full sync: ${(r.reason as Error).message}`, { object: describe(ref, desired.mirrors[n].name, ctx.namespace) });
    }
  });

  const wanted = new Set(desired.mirrors.map((d) => d.name));
  const stale = [...live.values()].filter((o) => !wanted.has(o.metadata.name!) && !isKept(o, desired.keep));
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
