import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { settleAll } from '../../../src/engine/controllers/mirror/concurrency.js';
import { ApiError } from '../../../src/engine/kube/client.js';
import { CONTAINER, VOLUME } from '../../../src/engine/kube/resources.js';
import type { KubeObject } from '../../../src/engine/kube/types.js';
import { NS, STOPPABLE_COMMAND, startConnectedHarness, startOrStop, type MirrorHarness } from '../engine/controllers/mirror/harness.js';

/*
 * Many objects and many writers at once, against the engine controller, the
 * real API server and a real dockerd: everything converges, nothing is lost,
 * and the API answers no 500.
 */

let h: MirrorHarness;
const WAIT = { timeout: 180_000, interval: 250 };
const N = 100;
const WRITERS = 50;
const RACE_MS = 20_000;

const list = async (ref: typeof CONTAINER): Promise<KubeObject[]> => (await h.client.list(ref, { namespace: NS })).items;

describe('fault: mass operations', () => {
  beforeAll(async () => {
    h = await startConnectedHarness({}, WAIT);
  });
  afterAll(async () => {
    await h?.stop();
  });

  it(`delete --all of ${N} containers and ${N} volumes removes them from the engine and the API`, { timeout: 300_000 }, async () => {
    await settleAll(Array.from({ length: N }, (_, i) => i), 8, (i) => h.docker('create', '--name', `mass-${i}`, 'busybox', 'true'));
    await settleAll(Array.from({ length: N }, (_, i) => i), 8, (i) => h.docker('volume', 'create', `mass-vol-${i}`));
    await vi.waitFor(async () => {
      expect((await list(CONTAINER)).length).toBeGreaterThanOrEqual(N);
      expect((await list(VOLUME)).length).toBeGreaterThanOrEqual(N);
    }, WAIT);
    // What `kubectl delete containers,volumes --all` sends: one deletecollection per kind.
    await h.client.request('DELETE', `/apis/containers.rancherdesktop.io/v1alpha1/namespaces/${NS}/containers`);
    await h.client.request('DELETE', `/apis/containers.rancherdesktop.io/v1alpha1/namespaces/${NS}/volumes`);
    await vi.waitFor(async () => {
      expect(await list(CONTAINER)).toEqual([]);
      expect(await list(VOLUME)).toEqual([]);
    }, WAIT);
    expect(await h.docker('ps', '-aq')).toBe('');
    expect(await h.docker('volume', 'ls', '-q')).toBe('');
  });

  it(`${WRITERS} concurrent spec.state writers racing docker start/stop: final states match the last intent, no 500`, { timeout: 300_000 }, async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await h.docker('run', '-d', '--name', `race-${i}`, 'busybox', ...STOPPABLE_COMMAND));
    await vi.waitFor(async () => expect((await list(CONTAINER)).length).toBe(ids.length), WAIT);
    const serverErrors: unknown[] = [];
    const end = Date.now() + RACE_MS;
    const states = ['running', 'created', 'paused'] as const;
    const writer = async (w: number) => {
      for (let n = 0; Date.now() < end; n++) {
        const id = ids[(w + n) % ids.length];
        try {
          await h.client.patch(CONTAINER, id, { spec: { state: states[(w + n) % states.length] } }, { type: 'merge', namespace: NS });
        } catch (err) {
          if (err instanceof ApiError && err.status >= 500) serverErrors.push(err);
        }
      }
    };
    const outOfBand = async () => {
      for (let n = 0; Date.now() < end; n++) await startOrStop(h, n % 2 === 1, ids[n % ids.length]);
    };
    await Promise.all([...Array.from({ length: WRITERS }, (_, w) => writer(w)), outOfBand()]);
    expect(serverErrors).toEqual([]);
    // After the storm, one last intent per container: the engine ends there and the mirror says so. It
    // must be a new generation (spec.state is edge-triggered): the storm may have left the same value,
    // already driven before the last out-of-band stop, so pass through "unknown" (no intent) first.
    // running and created can be reached from anywhere; paused only from running (docker pause refuses a
    // stopped container, and spec.state=paused reports that as Failed), and the storm may leave one stopped.
    const finalState = (i: number) => (['running', 'created'] as const)[i % 2];
    for (const [i, id] of ids.entries()) {
      await h.client.patch(CONTAINER, id, { spec: { state: 'unknown' } }, { type: 'merge', namespace: NS });
      await h.client.patch(CONTAINER, id, { spec: { state: finalState(i) } }, { type: 'merge', namespace: NS });
    }
    const engineStatus = { running: 'running', created: 'exited', paused: 'paused' } as const;
    await vi.waitFor(async () => {
      for (const [i, id] of ids.entries()) {
        expect(await h.docker('inspect', '--format', '{{.State.Status}}', id)).toBe(engineStatus[finalState(i)]);
        const mirror = (await h.client.get(CONTAINER, id, NS)) as KubeObject;
        expect(mirror.status?.observedGeneration).toBe(mirror.metadata.generation);
        expect(mirror.status?.status).toBe(engineStatus[finalState(i)]);
      }
    }, WAIT);
  });
});
