import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerMirror, volumeMirror } from '../../../../../src/engine/controllers/mirror/mapping.js';
import { volumeMirrorName } from '../../../../../src/engine/controllers/mirror/naming.js';
import { MIRROR_FINALIZER } from '../../../../../src/engine/kube/containers.js';
import { CONTAINER, VOLUME, type ResourceRef } from '../../../../../src/engine/kube/resources.js';
import type { KubeObject } from '../../../../../src/engine/kube/types.js';
import { NS, finalizersOf, mirrorProbes, startConnectedHarness, type MirrorHarness } from './harness.js';

let h: MirrorHarness;
const { present } = mirrorProbes(() => h);

/** How long a vanished mirror may stay gone while its engine object exists. */
const BACK_WITHIN_MS = 1_000;

/**
 * Removes the mirror's finalizer through the API and deletes it, as any client may, and
 * watches the same name come back: resolves with the new mirror and the time from sending
 * the delete to the watch's ADDED. A deadline bounds the wait; no sleep.
 */
async function vanishAndReturn(ref: ResourceRef, name: string): Promise<{ back: KubeObject; afterMs: number; old: KubeObject }> {
  const old = (await h.client.find(ref, name, NS))!;
  const abort = new AbortController();
  let deleted = false;
  let sentAt = 0;
  const returned = new Promise<{ back: KubeObject; afterMs: number }>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`${ref.kind} ${name} did not come back within 10 s of its deletion`)), 10_000);
    h.client
      .watch(ref, { namespace: NS, fieldSelector: `metadata.name=${name}`, resourceVersion: old.metadata.resourceVersion, signal: abort.signal }, (event) => {
        if (event.type === 'DELETED') deleted = true;
        if (event.type === 'ADDED' && deleted) {
          clearTimeout(deadline);
          resolve({ back: event.object as KubeObject, afterMs: Date.now() - sentAt });
        }
      })
      .catch((err: unknown) => abort.signal.aborted || reject(err as Error));
  });
  try {
    await h.client.patch(ref, name, [{ op: 'remove', path: '/metadata/finalizers' }], { type: 'json', namespace: NS });
    sentAt = Date.now();
    await h.client.delete(ref, name, { namespace: NS });
    return { ...(await returned), old };
  } finally {
    abort.abort();
  }
}

describe('engine mirror: a mirror deleted while its engine object exists comes back', () => {
  beforeAll(async () => {
    h = await startConnectedHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('a running container: the same-named mirror is back within 1 s, status as docker inspect says, with its finalizer', async () => {
    const id = await h.docker('run', '-d', 'busybox', 'sleep', '3600');
    await present(CONTAINER, id, { status: 'running' });
    const { back, afterMs, old } = await vanishAndReturn(CONTAINER, id);
    expect(afterMs).toBeLessThan(BACK_WITHIN_MS);
    expect(back.metadata.uid).not.toBe(old.metadata.uid);
    const [inspect] = JSON.parse(await h.docker('inspect', id)) as Parameters<typeof containerMirror>[0][];
    expect(back.status).toMatchObject(containerMirror(inspect).status);
    expect(back.status).toMatchObject({ status: 'running' });
    expect(finalizersOf(back)).toContain(MIRROR_FINALIZER);
    // The container was never touched: it still runs.
    expect(await h.docker('inspect', '--format', '{{.State.Status}}', id)).toBe('running');
  });

  it('a volume: the same-named mirror is back within 1 s, status as docker volume inspect says', async () => {
    await h.docker('volume', 'create', 'kept-data');
    const name = volumeMirrorName('kept-data');
    await present(VOLUME, name, { name: 'kept-data' });
    const { back, afterMs } = await vanishAndReturn(VOLUME, name);
    expect(afterMs).toBeLessThan(BACK_WITHIN_MS);
    const [inspect] = JSON.parse(await h.docker('volume', 'inspect', 'kept-data')) as Parameters<typeof volumeMirror>[0][];
    expect(back.status).toMatchObject(volumeMirror(inspect).status);
    expect(finalizersOf(back)).toContain(MIRROR_FINALIZER);
  });
});
