import { isNotFound, type KubeClient } from '../../kube/client.js';
import { CONTAINER, CONTAINER_NAMESPACE, IMAGE, VOLUME, type ResourceRef } from '../../kube/resources.js';
import { rejections, settleAll } from './concurrency.js';
import { describe, removeMirror } from './mirror-store.js';

const PARALLEL = 16;

async function removeAllOf(client: KubeClient, ref: ResourceRef, namespace: string): Promise<unknown[]> {
  const list = await client.list(ref, { namespace });
  const results = await settleAll(list.items, PARALLEL, async (o) => {
    const name = o.metadata.name!;
    try {
      if (ref === CONTAINER_NAMESPACE) await client.delete(ref, name, { namespace });
      else await removeMirror(client, ref, name, namespace, o);
    } catch (err) {
      if (isNotFound(err)) return;
      throw new Error(`cannot remove ${describe(ref, name, namespace)}: ${(err as Error).message}`, { cause: err });
    }
  });
  return rejections(results);
}

/**
 * The engine stopped or is not moby: every mirror and the moby namespace go,
 * without touching the engine. Each kind is attempted whatever the others
 * do; all failures come back together
 * (docs/design-rules.md#finalizer-errors-aggregated).
 */
export async function removeAllMirrors(client: KubeClient, namespace: string): Promise<void> {
  const kinds = [CONTAINER, IMAGE, VOLUME, CONTAINER_NAMESPACE];
  const settled = await Promise.allSettled(kinds.map((ref) => removeAllOf(client, ref, namespace)));
  const errors = settled.flatMap((s, n) =>
    s.status === 'fulfilled' ? s.value : [new Error(`cannot list ${kinds[n].kind} mirrors: ${(s.reason as Error).message}`, { cause: s.reason })],
  );
  if (errors.length > 0) {
    throw new AggregateError(errors, `removing mirrors in ${namespace} failed: ${errors.map((e) => (e as Error).message).join('; ')}`);
  }
}
