import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { APP, APP_NAME, CONTAINER, type ResourceRef } from '../../../../../src/engine/kube/resources.js';
import type { KubeObject } from '../../../../../src/engine/kube/types.js';
import type { DockerEvent } from '../../../../../src/engine/controllers/mirror/routing.js';
import { holdsFor } from '../../../../support/holds-for.js';
import { NS, createRunningApp, fastBackoff, startHarness, type MirrorHarness } from './harness.js';

const WAIT = { timeout: 60_000, interval: 100 };
/** How long "nothing happened" must hold: several fast-backoff retries and a full sync would fit in it. */
const HOLD_MS = 3000;
let h: MirrorHarness;

/** Test seams handed to the controller; each test arms what it needs. */
const seams = {
  throwOnContainerName: undefined as string | undefined,
  duringFirstSync: undefined as (() => Promise<void>) | undefined,
  holdReconnect: false,
};

const find = (ref: ResourceRef, name: string): Promise<KubeObject | undefined> => h.client.find(ref, name, NS);
const present = async (id: string) => vi.waitFor(async () => (await find(CONTAINER, id)) ?? expect.fail(`no mirror for ${id}`), WAIT);
const connected = () => vi.waitFor(async () => expect(await h.engineReady()).toMatchObject({ status: 'True', reason: 'Connected' }), WAIT);

/** Engine containers and Container mirrors agree exactly: no orphan, nothing missing. */
async function converged(): Promise<void> {
  await vi.waitFor(async () => {
    const engine = (await h.docker('ps', '-aq', '--no-trunc')).split('\n').filter(Boolean).sort();
    const mirrors = (await h.client.list(CONTAINER, { namespace: NS })).items.map((c) => c.metadata.name!).sort();
    expect(mirrors).toEqual(engine);
  }, WAIT);
}

/** Records every ContainerEngineReady reason the App passes through. */
function recordReasons(): { reasons: string[]; stop(): void } {
  const reasons: string[] = [];
  const abort = new AbortController();
  void h.client
    .watch(APP, { signal: abort.signal, fieldSelector: `metadata.name=${APP_NAME}` }, (ev) => {
      const c = (ev.object as KubeObject).status?.conditions as { type: string; reason: string }[] | undefined;
      const reason = c?.find((x) => x.type === 'ContainerEngineReady')?.reason;
      if (reason && reasons.at(-1) !== reason) reasons.push(reason);
    })
    .catch(() => undefined);
  return { reasons, stop: () => abort.abort() };
}

describe('engine mirror: self-healing', () => {
  let vanishing: string;

  beforeAll(async () => {
    h = await startHarness({
      noApp: true,
      backoff: (n) => (seams.holdReconnect ? 600_000 : fastBackoff(n)),
      hooks: {
        onEvent(event: DockerEvent) {
          if (seams.throwOnContainerName && event.Type === 'container' && event.Actor?.Attributes?.name === seams.throwOnContainerName) {
            seams.throwOnContainerName = undefined;
            throw new Error('injected handler failure');
          }
        },
        async afterEngineList() {
          const run = seams.duringFirstSync;
          seams.duringFirstSync = undefined;
          await run?.();
        },
      },
    });
    await h.docker('pull', 'busybox');
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('loses no event during the initial sync; a container vanishing between list and inspect is gone', async () => {
    vanishing = await h.docker('create', '--name', 'vanishing', 'busybox', 'true');
    let born = '';
    seams.duringFirstSync = async () => {
      born = await h.docker('create', '--name', 'born-during-sync', 'busybox', 'true');
      await h.docker('rm', vanishing);
    };
    await createRunningApp(h);
    await connected();
    expect(born).not.toBe('');
    await present(born);
    await converged();
    expect(await find(CONTAINER, vanishing)).toBeUndefined();
  });

  it('recovers from an exception inside an event handler with no other trigger', async () => {
    const rec = recordReasons();
    try {
      seams.throwOnContainerName = 'trigger';
      const id = await h.docker('create', '--name', 'trigger', 'busybox', 'true');
      await vi.waitFor(() => expect(rec.reasons).toContain('ConnectFailed'), WAIT);
      await vi.waitFor(() => expect(rec.reasons.at(-1)).toBe('Connected'), WAIT);
      const cond = await h.engineReady();
      expect(cond?.status).toBe('True');
      expect(h.logs.some((l) => l.includes('injected handler failure'))).toBe(true);
      await present(id);
    } finally {
      rec.stop();
    }
  });

  it('converges after the engine is SIGKILLed and restarted, mirrors keeping their uid', async () => {
    const keep = await h.docker('run', '-d', '--name', 'survivor', 'busybox', 'sleep', '3600');
    const before = await present(keep);
    await h.dockerd.kill('SIGKILL');
    await vi.waitFor(async () => expect(await h.engineReady()).toMatchObject({ status: 'False', reason: 'ConnectFailed' }), WAIT);
    await h.dockerd.restart();
    await connected();
    await converged();
    const after = await vi.waitFor(async () => {
      const obj = (await find(CONTAINER, keep))!;
      expect(obj.status?.status).toBe(await h.docker('inspect', '--format', '{{.State.Status}}', keep));
      return obj;
    }, WAIT);
    expect(after.metadata.uid).toBe(before.metadata.uid);
  });

  it('mirrors a container created while the watcher is down, and does pending spec work after', async () => {
    const keep = (await h.docker('ps', '-aq', '--no-trunc', '--filter', 'name=^survivor$')).trim();
    seams.holdReconnect = true;
    await h.dockerd.kill('SIGKILL');
    await vi.waitFor(async () => expect(await h.engineReady()).toMatchObject({ status: 'False', reason: 'ConnectFailed' }), WAIT);
    await h.dockerd.restart();
    const whileDown = await h.docker('create', '--name', 'while-down', 'busybox', 'sleep', '3600');
    // Intent expressed while disconnected is done after the reconnect.
    await h.client.patch(CONTAINER, keep, { spec: { state: 'running' } }, { type: 'merge', namespace: NS });
    await holdsFor(HOLD_MS, async () => expect(await find(CONTAINER, whileDown)).toBeUndefined());

    seams.holdReconnect = false;
    // An unrelated App event does not cut a backoff short (that would be a hot loop on a failing engine)...
    await h.client.patch(APP, APP_NAME, { metadata: { annotations: { poke: String(Date.now()) } } }, { type: 'merge' });
    await holdsFor(HOLD_MS, async () => expect(await find(CONTAINER, whileDown)).toBeUndefined());
    // ...the App controller reporting the engine back is new input, and does.
    await h.reportEngineBack();
    await connected();
    await present(whileDown);
    await vi.waitFor(async () => expect((await find(CONTAINER, keep))?.status).toMatchObject({ status: 'running', lastAction: { state: 'running', result: 'Succeeded' } }), WAIT);
    await converged();
  });

  it('deletes no mirror while the engine is unreachable, even when it dies between a sync\'s list and its inspects', async () => {
    const id = await h.docker('run', '-d', '--name', 'outage', 'busybox', 'sleep', '3600');
    const uids = new Map((await h.client.list(CONTAINER, { namespace: NS })).items.map((o) => [o.metadata.name!, o.metadata.uid]));
    expect(uids.get((await present(id)).metadata.name!)).toBeDefined();
    const deleted: string[] = [];
    const abort = new AbortController();
    void h.client
      .watch(CONTAINER, { signal: abort.signal, namespace: NS }, (ev) => ev.type === 'DELETED' && deleted.push((ev.object as KubeObject).metadata.name!))
      .catch(() => undefined);
    try {
      // The next full sync lists the engine, then finds it dead: every inspect is a connection error, not "no such container".
      seams.duringFirstSync = async () => {
        seams.holdReconnect = true;
        await h.dockerd.kill('SIGKILL');
      };
      await h.dockerd.kill('SIGKILL');
      await vi.waitFor(async () => expect(await h.engineReady()).toMatchObject({ status: 'False', reason: 'ConnectFailed' }), WAIT);
      await h.dockerd.restart();
      // The sync listed and the engine is dead: its inspects fail from here on.
      await vi.waitFor(() => expect(seams.duringFirstSync).toBeUndefined(), WAIT);
      await holdsFor(HOLD_MS, () => expect(deleted).toEqual([]));
      seams.holdReconnect = false;
      await h.dockerd.restart();
      await h.reportEngineBack();
      await connected();
      await converged();
      for (const o of (await h.client.list(CONTAINER, { namespace: NS })).items) expect(o.metadata.uid, o.metadata.name).toBe(uids.get(o.metadata.name!));
      expect(deleted).toEqual([]);
    } finally {
      abort.abort();
    }
  });
});
