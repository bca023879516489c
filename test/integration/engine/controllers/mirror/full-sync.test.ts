import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CONTAINER, IMAGE, VOLUME } from '../../../../../src/engine/kube/resources.js';
import { imageMirrorName, volumeMirrorName } from '../../../../../src/engine/controllers/mirror/naming.js';
import { fastBackoff, mirrorProbes, NS, startHarness, WAIT, type MirrorHarness } from './harness.js';

// The full sync a reconnect runs is the only thing that notices what was
// removed from the engine while nobody watched it; it must prune exactly that,
// and never a mirror whose engine object it merely failed to inspect.
let h: MirrorHarness;
const { find, imageId, present, gone } = mirrorProbes(() => h);

/** Test seams handed to the controller; each test arms what it needs. */
const seams = {
  holdReconnect: false,
  duringSync: undefined as (() => Promise<void>) | undefined,
};

const engineReady = (status: Record<string, unknown>) => vi.waitFor(async () => expect(await h.engineReady()).toMatchObject(status), WAIT);

/** Engine objects of each kind and their mirrors agree exactly: no orphan, nothing missing. */
async function converged(): Promise<void> {
  await vi.waitFor(async () => {
    const lines = async (...args: string[]) => (await h.docker(...args)).split('\n').filter(Boolean);
    const mirrors = async (ref: typeof CONTAINER) => (await h.client.list(ref, { namespace: NS })).items.map((o) => o.metadata.name!).sort();
    expect(await mirrors(CONTAINER)).toEqual((await lines('ps', '-aq', '--no-trunc')).sort());
    expect(await mirrors(VOLUME)).toEqual((await lines('volume', 'ls', '-q')).map(volumeMirrorName).sort());
    const tagged = (await lines('image', 'ls', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}')).map((l) => l.split(' '));
    expect(await mirrors(IMAGE)).toEqual(tagged.map(([id, tag]) => imageMirrorName(id, tag === '<none>:<none>' ? undefined : tag)).sort());
  }, WAIT);
}

/** Kills the engine and holds the controller in its backoff until reconnect() is called. */
async function disconnect(): Promise<void> {
  seams.holdReconnect = true;
  await h.dockerd.kill('SIGKILL');
  await engineReady({ status: 'False', reason: 'ConnectFailed' });
  await h.dockerd.restart();
}

function reconnect(): Promise<unknown> {
  seams.holdReconnect = false;
  return h.reportEngineBack();
}

describe('engine mirror: full sync after a disconnect', () => {
  let stays: string;
  let busybox: string;

  beforeAll(async () => {
    h = await startHarness({
      backoff: (n) => (seams.holdReconnect ? 600_000 : fastBackoff(n)),
      hooks: {
        async afterEngineList() {
          const run = seams.duringSync;
          seams.duringSync = undefined;
          await run?.();
        },
      },
    });
    await h.docker('pull', 'busybox');
    // Three tags of one image: three mirrors sharing the image's name prefix.
    await h.docker('tag', 'busybox', 'kept:one');
    await h.docker('tag', 'busybox', 'kept:two');
    busybox = await imageId('busybox');
    stays = await h.docker('create', '--name', 'stays', 'busybox', 'sleep', '3600');
    await engineReady({ status: 'True', reason: 'Connected' });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('prunes the mirrors of a container, an image and a volume removed while disconnected', async () => {
    const container = await h.docker('create', '--name', 'removed', 'busybox', 'true');
    await h.docker('commit', container, 'removed-image:1');
    const image = await imageId('removed-image:1');
    await h.docker('volume', 'create', 'removed-volume');
    const before = await present(CONTAINER, stays);
    await present(CONTAINER, container);
    await present(IMAGE, imageMirrorName(image, 'removed-image:1'));
    await present(VOLUME, volumeMirrorName('removed-volume'));

    await disconnect();
    await h.docker('rm', container);
    await h.docker('rmi', 'removed-image:1');
    await h.docker('volume', 'rm', 'removed-volume');
    const logged = h.logs.length;
    await reconnect();

    // The full sync itself prunes the three, before the later pending-work scan could.
    const synced = await vi.waitFor(() => h.logs.slice(logged).find((l) => l.includes('full sync done')) ?? expect.fail('no full sync yet'), WAIT);
    expect(synced).toMatch(/ pruned=3 failed=0 /);
    await engineReady({ status: 'True', reason: 'Connected' });
    await gone(CONTAINER, container);
    await gone(IMAGE, imageMirrorName(image, 'removed-image:1'));
    await gone(VOLUME, volumeMirrorName('removed-volume'));
    await converged();
    expect((await find(CONTAINER, stays))?.metadata.uid).toBe(before.metadata.uid);
  });

  it('keeps the mirrors of everything it cannot inspect, every tag of an image included, and prunes the rest', async () => {
    const removed = await h.docker('create', '--name', 'removed-too', 'busybox', 'true');
    await present(CONTAINER, removed);
    const tags = ['busybox:latest', 'kept:one', 'kept:two'].map((tag) => imageMirrorName(busybox, tag));
    const uids = new Map<string, string | undefined>();
    for (const name of [stays, ...tags]) uids.set(name, (await present(name === stays ? CONTAINER : IMAGE, name)).metadata.uid);

    await disconnect();
    await h.docker('rm', removed);
    // The engine dies between list and inspect: every inspect fails, and not with "no such object".
    seams.duringSync = async () => {
      seams.holdReconnect = true;
      await h.dockerd.kill('SIGKILL');
    };
    const logged = h.logs.length;
    await reconnect();

    // The sync ends by opening the event stream, which fails on the dead engine:
    // the controller's failed reconcile after the inspect warnings marks its end.
    await vi.waitFor(() => {
      const lines = h.logs.slice(logged);
      const inspects = lines.findIndex((l) => l.includes(`cannot inspect image ${busybox}, leaving its mirror as is`));
      expect(inspects).toBeGreaterThanOrEqual(0);
      expect(lines.some((l) => l.includes(`cannot inspect container ${stays}, leaving its mirror as is`))).toBe(true);
      expect(lines.slice(inspects).some((l) => l.includes('reconcile of app failed'))).toBe(true);
    }, WAIT);
    expect(await find(CONTAINER, removed)).toBeUndefined();
    for (const [name, uid] of uids) expect((await find(name === stays ? CONTAINER : IMAGE, name))?.metadata.uid, name).toBe(uid);

    await h.dockerd.restart();
    await reconnect();
    await engineReady({ status: 'True', reason: 'Connected' });
    await converged();
    for (const [name, uid] of uids) expect((await find(name === stays ? CONTAINER : IMAGE, name))?.metadata.uid, name).toBe(uid);
  });
});
