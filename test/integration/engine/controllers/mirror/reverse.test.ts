import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CONTAINER, IMAGE, VOLUME, apiVersionOf } from '../../../../../src/engine/kube/resources.js';
import type { Condition, KubeObject } from '../../../../../src/engine/kube/types.js';
import { MIRROR_FINALIZER } from '../../../../../src/engine/kube/containers.js';
import { ENGINE_CONTROLLER_MANAGER } from '../../../../../src/engine/kube/app.js';
import { imageMirrorName, volumeMirrorName } from '../../../../../src/engine/controllers/mirror/naming.js';
import { NS, WAIT, mirrorProbes, finalizersOf, startConnectedHarness, type MirrorHarness } from './harness.js';

let h: MirrorHarness;
const { find, imageId, present, gone } = mirrorProbes(() => h);

const engineHas = async (...args: string[]): Promise<boolean> =>
  h.docker(...args).then(
    () => true,
    () => false,
  );
const setState = (id: string, state: string) => h.client.patch(CONTAINER, id, { spec: { state } }, { type: 'merge', namespace: NS });
const dockerState = (id: string) => h.docker('inspect', '--format', '{{.State.Status}}', id);

/** Waits until spec.state's current generation was driven, and returns the mirror. */
async function driven(id: string, state: string, result: 'Succeeded' | 'Failed' = 'Succeeded'): Promise<KubeObject> {
  return vi.waitFor(async () => {
    const obj = (await find(CONTAINER, id))!;
    expect(obj.status?.lastAction).toMatchObject({ state, result });
    if (result === 'Succeeded') expect(obj.status?.observedGeneration).toBe(obj.metadata.generation);
    return obj;
  }, WAIT);
}

describe('engine mirror: API-side deletes and spec.state', () => {
  beforeAll(async () => {
    h = await startConnectedHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('deleting a Container mirror force-removes the running container', async () => {
    const id = await h.docker('run', '-d', '--name', 'doomed', 'busybox', 'sleep', '3600');
    await present(CONTAINER, id, { status: 'running' });
    await h.client.delete(CONTAINER, id, { namespace: NS });
    await gone(CONTAINER, id);
    expect(await engineHas('inspect', id)).toBe(false);
  });

  it('deleting an Image mirror removes only that tag; a dangling one is removed by ID', async () => {
    const id = await imageId('busybox');
    await h.docker('tag', 'busybox', 'second:1');
    await present(IMAGE, imageMirrorName(id, 'second:1'));
    await h.client.delete(IMAGE, imageMirrorName(id, 'second:1'), { namespace: NS });
    await gone(IMAGE, imageMirrorName(id, 'second:1'));
    expect(await engineHas('image', 'inspect', 'second:1')).toBe(false);
    expect(await engineHas('image', 'inspect', 'busybox:latest')).toBe(true);

    const helper = await h.docker('create', 'busybox', 'true');
    const dangling = await h.docker('commit', helper);
    await h.docker('rm', helper);
    await present(IMAGE, imageMirrorName(dangling), { id: dangling });
    await h.client.delete(IMAGE, imageMirrorName(dangling), { namespace: NS });
    await gone(IMAGE, imageMirrorName(dangling));
    expect(await engineHas('image', 'inspect', dangling)).toBe(false);
  });

  it('deleting a Volume mirror removes the volume; one with empty status.name just goes', async () => {
    await h.docker('volume', 'create', 'My_Vol_Ume');
    const name = volumeMirrorName('My_Vol_Ume');
    await present(VOLUME, name, { name: 'My_Vol_Ume' });
    await h.client.delete(VOLUME, name, { namespace: NS });
    await gone(VOLUME, name);
    expect(await engineHas('volume', 'inspect', 'My_Vol_Ume')).toBe(false);

    // A mirror the engine wrote before it knew the name (only the engine controller, in-process, may create mirrors).
    await h.api.server.localClient().create(
      VOLUME,
      { apiVersion: apiVersionOf(VOLUME), kind: 'Volume', metadata: { name: 'skeleton', namespace: NS, finalizers: [MIRROR_FINALIZER] } },
      { fieldManager: ENGINE_CONTROLLER_MANAGER },
    );
    await h.client.delete(VOLUME, 'skeleton', { namespace: NS });
    await gone(VOLUME, 'skeleton');
  });

  it('keeps an in-use Image mirror Terminating, retrying, without starving other kinds; it goes once the container is removed', async () => {
    const helper = await h.docker('create', 'busybox', 'true');
    await h.docker('commit', helper, 'inuse:1');
    await h.docker('rm', helper);
    const id = await imageId('inuse:1');
    const user = await h.docker('run', '-d', '--name', 'user', 'inuse:1', 'sleep', '3600');
    const name = imageMirrorName(id, 'inuse:1');
    await present(IMAGE, name);
    await h.client.delete(IMAGE, name, { namespace: NS });
    // Retried (with backoff) at least twice, and still there with its finalizer.
    await vi.waitFor(() => expect(h.logs.filter((l) => l.includes(`reconcile of Image ${NS}/${name} failed`)).length).toBeGreaterThanOrEqual(2), WAIT);
    const stuck = await find(IMAGE, name);
    expect(stuck?.metadata.deletionTimestamp).toBeDefined();
    expect(finalizersOf(stuck)).toEqual([MIRROR_FINALIZER]);
    // Why it is stuck is on the object, not only in the log.
    expect((stuck?.status?.conditions as Condition[] | undefined)?.find((c) => c.type === 'Deleting')).toMatchObject({
      status: 'False',
      reason: 'InUse',
      message: expect.stringContaining('the engine refused to remove it'),
    });
    expect(h.logs.some((l) => l.includes(`Image ${NS}/${name}: the engine refused to remove it`))).toBe(true);

    // Meanwhile a Volume delete goes through: a stuck kind never starves another.
    await h.docker('volume', 'create', 'meanwhile');
    await present(VOLUME, volumeMirrorName('meanwhile'));
    await h.client.delete(VOLUME, volumeMirrorName('meanwhile'), { namespace: NS });
    await gone(VOLUME, volumeMirrorName('meanwhile'));

    await h.docker('rm', '-f', user);
    await gone(IMAGE, name);
    expect(await engineHas('image', 'inspect', 'inuse:1')).toBe(false);
  });

  it('drives spec.state once per generation: created, running, paused, paused→created, paused→running', async () => {
    const id = await h.docker('run', '-d', '--name', 'st', 'busybox', 'sleep', '3600');
    await present(CONTAINER, id, { status: 'running' });

    await setState(id, 'created');
    await driven(id, 'created');
    expect(await dockerState(id)).toBe('exited');

    await setState(id, 'running');
    await driven(id, 'running');
    expect(await dockerState(id)).toBe('running');

    await setState(id, 'paused');
    await driven(id, 'paused');
    expect(await dockerState(id)).toBe('paused');

    await setState(id, 'created');
    await driven(id, 'created');
    expect(await dockerState(id)).toBe('exited');

    await setState(id, 'paused');
    await driven(id, 'paused', 'Failed');
    const failed = await find(CONTAINER, id);
    expect(failed?.status?.lastAction).toMatchObject({ error: expect.stringMatching(/not running/) });
    expect(failed?.status?.observedGeneration).toBeLessThan(failed!.metadata.generation!);

    // A newer generation supersedes the failing one.
    await setState(id, 'running');
    await driven(id, 'running');
    await setState(id, 'paused');
    await driven(id, 'paused');
    await setState(id, 'running');
    const done = await driven(id, 'running');
    expect(await dockerState(id)).toBe('running');
    expect(done.status?.lastAction).not.toHaveProperty('error');
  });

  it('does not fight out-of-band changes, and keeps lastAction across status syncs', async () => {
    const id = (await h.docker('ps', '-q', '--no-trunc', '--filter', 'name=^st$')).trim();
    const before = (await find(CONTAINER, id))!;
    await h.docker('stop', '-t', '0', id);
    await present(CONTAINER, id, { status: 'exited' });
    // A later event acts as a barrier: by the time it is mirrored, the stop was long handled.
    const barrier = await h.docker('create', 'busybox', 'true');
    await present(CONTAINER, barrier);
    expect(await dockerState(id)).toBe('exited');
    const after = (await find(CONTAINER, id))!;
    expect(after.status?.lastAction).toEqual(before.status?.lastAction);
    expect(after.status?.observedGeneration).toBe(before.status?.observedGeneration);
  });
});
