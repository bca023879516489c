import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACTION_ANNOTATION } from '../../../../../src/engine/controllers/mirror/actions.js';
import { CONTAINER } from '../../../../../src/engine/kube/resources.js';
import type { KubeObject } from '../../../../../src/engine/kube/types.js';
import { mirrorProbes, NS, startHarness, WAIT, type MirrorHarness } from './harness.js';

let h: MirrorHarness;
const { present, find } = mirrorProbes(() => h);
let id: string;

beforeAll(async () => {
  h = await startHarness();
  await h.docker('pull', 'busybox');
  id = await h.docker('run', '-d', '--name', 'act', 'busybox', 'sleep', '3600');
  await present(CONTAINER, id, { status: 'running' });
}, 120_000);

afterAll(async () => {
  await h?.stop();
});

const annotate = (action: string | null) =>
  h.client.patch(CONTAINER, id, { metadata: { annotations: { [ACTION_ANNOTATION]: action } } }, { type: 'merge', namespace: NS });

const dockerState = () => h.docker('inspect', '--format', '{{.State.Status}} {{.State.StartedAt}}', 'act');

/** Waits until the annotation is gone and returns the mirror; lastAction was recorded before. */
function carriedOut(): Promise<KubeObject> {
  return vi.waitFor(async () => {
    const obj = await find(CONTAINER, id);
    expect(obj?.metadata.annotations?.[ACTION_ANNOTATION]).toBeUndefined();
    return obj!;
  }, WAIT);
}

describe('the containers.rancherdesktop.io/action annotation', () => {
  it.each([
    ['pause', 'paused'],
    ['unpause', 'running'],
    ['stop', 'exited'],
    ['start', 'running'],
  ])('%s is carried out once, recorded, and the annotation removed', async (action, status) => {
    await annotate(action);
    const obj = await carriedOut();
    expect(obj.status?.lastAction).toMatchObject({ action, result: 'Succeeded' });
    expect(obj.status?.lastAction).not.toHaveProperty('state');
    expect((await dockerState()).split(' ')[0]).toBe(status);
    await present(CONTAINER, id, { status });
  });

  it('restart restarts the running container', async () => {
    const before = (await dockerState()).split(' ')[1];
    await annotate('restart');
    const obj = await carriedOut();
    expect(obj.status?.lastAction).toMatchObject({ action: 'restart', result: 'Succeeded' });
    const [status, startedAt] = (await dockerState()).split(' ');
    expect(status).toBe('running');
    expect(Date.parse(startedAt)).toBeGreaterThan(Date.parse(before));
  });

  it("records the engine's refusal as Failed and still removes the annotation", async () => {
    await h.docker('stop', '-t', '1', 'act');
    await present(CONTAINER, id, { status: 'exited' });
    await annotate('pause');
    const obj = await carriedOut();
    expect(obj.status?.lastAction).toMatchObject({ action: 'pause', result: 'Failed', error: expect.stringContaining('is not running') });
    await h.docker('start', 'act');
  });

  it('records an unknown verb as Failed', async () => {
    await annotate('explode');
    const obj = await carriedOut();
    expect(obj.status?.lastAction).toMatchObject({ action: 'explode', result: 'Failed', error: expect.stringContaining('unsupported action') });
  });

  describe('replay after a daemon kill mid-action', () => {
    it('a pause already done before the kill is recorded, not refused', async () => {
      // The state a kill leaves between the engine call and the record: paused, annotation still there.
      await h.docker('pause', 'act');
      await present(CONTAINER, id, { status: 'paused' });
      await annotate('pause');
      const obj = await carriedOut();
      expect(obj.status?.lastAction).toMatchObject({ action: 'pause', result: 'Succeeded' });
      await h.docker('unpause', 'act');
      await present(CONTAINER, id, { status: 'running' });
    });

    it('a restart recorded InProgress that already happened is not repeated', async () => {
      const inProgressAt = new Date().toISOString();
      // The state a kill after the restart leaves: InProgress recorded before it, the container restarted since.
      // Written as the engine controller writes it (in-process): no outside client may write a mirror's status.
      await h.api.server.localClient().patch(
        CONTAINER,
        id,
        { status: { lastAction: { action: 'restart', result: 'InProgress', time: inProgressAt, state: null, error: null } } },
        { type: 'merge', subresource: 'status', namespace: NS },
      );
      await h.docker('restart', '-t', '1', 'act');
      const startedAt = (await dockerState()).split(' ')[1];
      await annotate('restart');
      const obj = await carriedOut();
      expect(obj.status?.lastAction).toMatchObject({ action: 'restart', result: 'Succeeded' });
      expect((await dockerState()).split(' ')[1]).toBe(startedAt);
    });

    it('a restart recorded InProgress that never happened is carried out', async () => {
      const before = (await dockerState()).split(' ')[1];
      // Written as the engine controller writes it (in-process): no outside client may write a mirror's status.
      await h.api.server.localClient().patch(
        CONTAINER,
        id,
        { status: { lastAction: { action: 'restart', result: 'InProgress', time: new Date().toISOString(), state: null, error: null } } },
        { type: 'merge', subresource: 'status', namespace: NS },
      );
      await annotate('restart');
      const obj = await carriedOut();
      expect(obj.status?.lastAction).toMatchObject({ action: 'restart', result: 'Succeeded' });
      expect(Date.parse((await dockerState()).split(' ')[1])).toBeGreaterThan(Date.parse(before));
    });
  });

  it('spec.state records clear the action of an earlier annotation', async () => {
    await h.client.patch(CONTAINER, id, { spec: { state: 'paused' } }, { type: 'merge', namespace: NS });
    await vi.waitFor(async () => {
      const obj = await find(CONTAINER, id);
      expect(obj?.status?.lastAction).toMatchObject({ state: 'paused', result: 'Succeeded' });
      expect(obj?.status?.lastAction).not.toHaveProperty('action');
    }, WAIT);
  });
});
