import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { applyAppConditions } from '../../../../../src/engine/controllers/app-conditions.js';
import { APP_CONTROLLER_MANAGER } from '../../../../../src/engine/kube/app.js';
import { APP, APP_NAME, CONTAINER, CONTAINER_NAMESPACE, IMAGE, NAMESPACE, VOLUME } from '../../../../../src/engine/kube/resources.js';
import { silentLogger } from '../../../../../src/engine/base/log.js';
import { MIRROR_FINALIZER } from '../../../../../src/engine/kube/containers.js';
import { imageMirrorName, volumeMirrorName } from '../../../../../src/engine/controllers/mirror/naming.js';
import { NS, WAIT, mirrorProbes, createRunningApp, finalizersOf, startHarness, type MirrorHarness } from './harness.js';

let h: MirrorHarness;
const { find, imageId, present, gone } = mirrorProbes(() => h);

const imageMirrorsOf = async (id: string) =>
  (await h.client.list(IMAGE, { namespace: NS, fieldSelector: `status.id=${id}` })).items.map((i) => i.status?.repoTag ?? '<dangling>').sort();

describe('engine mirror: full sync and engine events', () => {
  let preId: string;

  beforeAll(async () => {
    h = await startHarness({ noApp: true });
    await h.docker('pull', 'busybox');
    preId = await h.docker('create', '--name', 'pre', 'busybox', 'sleep', '3600');
    await h.docker('volume', 'create', 'My_Vol_Ume');
    await createRunningApp(h);
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('reports Connected only once the full sync mirrored what the engine already had', async () => {
    await vi.waitFor(async () => {
      expect(await h.engineReady()).toMatchObject({ status: 'True', reason: 'Connected', observedGeneration: (await h.app()).metadata.generation });
    }, WAIT);
    // No waiting here: Connected promises the sync is done.
    const pre = await find(CONTAINER, preId);
    expect(pre?.status).toMatchObject({ name: 'pre', status: 'created', namespace: 'moby' });
    expect(pre?.status).not.toHaveProperty('startedAt');
    expect(pre?.spec).toEqual({ state: 'unknown' });
    expect(finalizersOf(pre)).toEqual([MIRROR_FINALIZER]);
    expect((await find(VOLUME, volumeMirrorName('My_Vol_Ume')))?.status).toMatchObject({ name: 'My_Vol_Ume', driver: 'local' });
    const busyboxId = await imageId('busybox');
    expect((await find(IMAGE, imageMirrorName(busyboxId, 'busybox:latest')))?.status).toMatchObject({
      repoTag: 'busybox:latest',
      namespace: 'moby',
      shortId: busyboxId.slice('sha256:'.length, 'sha256:'.length + 12),
      displaySize: expect.stringMatching(/^\d+(\.\d+)?[kMG]?B$/),
    });
    expect(await h.client.find(CONTAINER_NAMESPACE, 'moby', NS)).toBeDefined();
    expect(await h.client.find(NAMESPACE, NS)).toBeDefined();
  });

  it('mirrors tag and untag, one mirror per tag', async () => {
    const id = await imageId('busybox');
    await h.docker('tag', 'busybox', 'extra:1');
    await present(IMAGE, imageMirrorName(id, 'extra:1'), { id, repoTag: 'extra:1' });
    await h.docker('rmi', 'extra:1');
    await gone(IMAGE, imageMirrorName(id, 'extra:1'));
    expect(await imageMirrorsOf(id)).toEqual(['busybox:latest']);
  });

  it('turns an image whose last tag moved away into a dangling mirror, and tagging removes it', async () => {
    await h.docker('commit', 'pre', 'moving:1');
    const first = await imageId('moving:1');
    await present(IMAGE, imageMirrorName(first, 'moving:1'));
    await h.docker('commit', '--change', 'LABEL gen=2', 'pre', 'moving:1');
    const second = await imageId('moving:1');
    expect(second).not.toBe(first);
    await present(IMAGE, imageMirrorName(first), { id: first });
    await vi.waitFor(async () => expect(await imageMirrorsOf(first)).toEqual(['<dangling>']), WAIT);
    await present(IMAGE, imageMirrorName(second, 'moving:1'), { id: second, labels: { gen: '2' } });

    await h.docker('tag', first, 'again:1');
    await present(IMAGE, imageMirrorName(first, 'again:1'));
    await gone(IMAGE, imageMirrorName(first));
  });

  it('mirrors run, pause, stop and rm of a container with ports', async () => {
    const id = await h.docker('run', '-d', '--name', '/web', '--expose', '80', '-p', '127.0.0.1::81', 'busybox', 'sleep', '3600');
    const web = await present(CONTAINER, id, { name: 'web', status: 'running' });
    const ports = web.status?.ports as { name: string; bindings?: { hostIP: string; hostPort: string }[] }[];
    expect(ports.map((p) => p.name)).toEqual(['80/tcp', '81/tcp']);
    expect(ports[1].bindings?.[0]).toMatchObject({ hostIP: '127.0.0.1' });
    expect(Number(ports[1].bindings?.[0].hostPort)).toBeGreaterThan(0);
    // What `docker ps` shows in IMAGE, COMMAND and PORTS.
    expect(web.status).toMatchObject({
      imageName: 'busybox',
      command: 'sleep 3600',
      portSummary: `80/tcp, 127.0.0.1:${ports[1].bindings?.[0].hostPort}->81/tcp`,
    });

    await h.docker('pause', 'web');
    await present(CONTAINER, id, { status: 'paused', conditions: expect.arrayContaining([{ type: 'Paused', status: 'True' }]) });
    await h.docker('unpause', 'web');
    await present(CONTAINER, id, { status: 'running' });
    await h.docker('stop', '-t', '0', 'web');
    const stopped = await present(CONTAINER, id, { status: 'exited' });
    expect(stopped.status?.finishedAt).toEqual(expect.any(String));
    await h.docker('rm', 'web');
    await gone(CONTAINER, id);
  });

  it('mirrors volumes whose names are not object names', async () => {
    const name = volumeMirrorName('Other_Vol.2');
    await h.docker('volume', 'create', '--label', 'team=a', 'Other_Vol.2');
    await present(VOLUME, name, { name: 'Other_Vol.2', labels: { team: 'a' } });
    await h.docker('volume', 'rm', 'Other_Vol.2');
    await gone(VOLUME, name);
  });

  it('re-asserts a missing finalizer on the next sync of that object (a user may not remove it)', async () => {
    await expect(h.client.patch(CONTAINER, preId, { metadata: { finalizers: null } }, { type: 'merge', namespace: NS })).rejects.toMatchObject({ status: 403 });
    // A mirror without it (one an older rdd wrote): only the engine controller, in-process, can write that.
    await h.api.server.localClient().patch(CONTAINER, preId, { metadata: { finalizers: null } }, { type: 'merge', namespace: NS });
    expect(finalizersOf(await find(CONTAINER, preId))).toEqual([]);
    await h.docker('rename', 'pre', 'pre2');
    await present(CONTAINER, preId, { name: 'pre2' });
    await vi.waitFor(async () => expect(finalizersOf(await find(CONTAINER, preId))).toEqual([MIRROR_FINALIZER]), WAIT);
  });

  it('re-creates the moby ContainerNamespace a user deleted', async () => {
    const before = await h.client.get(CONTAINER_NAMESPACE, 'moby', NS);
    await h.client.delete(CONTAINER_NAMESPACE, 'moby', { namespace: NS });
    await vi.waitFor(async () => {
      const after = await h.client.find(CONTAINER_NAMESPACE, 'moby', NS);
      expect(after?.metadata.uid).toBeDefined();
      expect(after?.metadata.uid).not.toBe(before.metadata.uid);
    }, WAIT);
  });

  it('rejects spec changes other than a listed Container spec.state', async () => {
    await expect(h.client.patch(CONTAINER, preId, { spec: { state: 'exploded' } }, { type: 'merge', namespace: NS })).rejects.toMatchObject({
      status: 422,
    });
    const vol = volumeMirrorName('My_Vol_Ume');
    await expect(h.client.patch(VOLUME, vol, { spec: { x: 1 } }, { type: 'merge', namespace: NS })).rejects.toThrow(/spec is immutable/);
    expect((await find(VOLUME, vol))?.spec ?? {}).toEqual({});
  });

  it('never surfaces a 409 while the App controller writes status concurrently', async () => {
    const generation = (await h.app()).metadata.generation;
    const writes = Array.from({ length: 20 }, (_, i) =>
      applyAppConditions(
        h.client,
        APP_CONTROLLER_MANAGER,
        [{ type: 'Running', status: 'True', reason: 'Started', message: `write ${i}`, observedGeneration: generation }],
        silentLogger,
      ),
    );
    // Each App event makes the engine controller reconcile and (re)write its own condition meanwhile.
    await Promise.all([...writes, h.client.patch(APP, APP_NAME, { metadata: { labels: { poke: 'x' } } }, { type: 'merge' })]);
    await vi.waitFor(async () => expect(await h.engineReady()).toMatchObject({ status: 'True', reason: 'Connected' }), WAIT);
    expect(h.logs.filter((l) => /conflict|failed to write App conditions/i.test(l))).toEqual([]);
  });

  it('stops mirroring when running=false: every mirror and the namespace go, condition Stopped', async () => {
    await h.setSpec({ running: false });
    await vi.waitFor(async () => {
      expect(await h.engineReady()).toMatchObject({
        status: 'False',
        reason: 'Stopped',
        message: 'the container engine is stopped',
        observedGeneration: (await h.app()).metadata.generation,
      });
    }, WAIT);
    for (const ref of [CONTAINER, IMAGE, VOLUME, CONTAINER_NAMESPACE]) {
      expect((await h.client.list(ref, { namespace: NS })).items).toEqual([]);
    }
    // The engine itself was not touched.
    expect(await h.docker('ps', '-aq', '--filter', 'name=pre2')).not.toBe('');
  });

  it('mirrors again on running=true, then reports NotApplicable with no mirrors for containerd', async () => {
    await h.setSpec({ running: true });
    await vi.waitFor(async () => expect(await h.engineReady()).toMatchObject({ status: 'True', reason: 'Connected' }), WAIT);
    expect(await find(CONTAINER, preId)).toBeDefined();
    await h.setSpec({ containerEngine: { name: 'containerd' } });
    await vi.waitFor(async () => {
      expect(await h.engineReady()).toMatchObject({ status: 'True', reason: 'NotApplicable', observedGeneration: (await h.app()).metadata.generation });
    }, WAIT);
    for (const ref of [CONTAINER, IMAGE, VOLUME, CONTAINER_NAMESPACE]) {
      expect((await h.client.list(ref, { namespace: NS })).items).toEqual([]);
    }
  });

  it('removes every mirror when the App is deleted', async () => {
    await h.setSpec({ containerEngine: { name: 'moby' } });
    await vi.waitFor(async () => expect(await h.engineReady()).toMatchObject({ status: 'True', reason: 'Connected' }), WAIT);
    expect(await find(CONTAINER, preId)).toBeDefined();
    await h.client.delete(APP, APP_NAME);
    await vi.waitFor(async () => {
      for (const ref of [CONTAINER, IMAGE, VOLUME, CONTAINER_NAMESPACE]) expect((await h.client.list(ref, { namespace: NS })).items).toEqual([]);
    }, WAIT);
  });
});
