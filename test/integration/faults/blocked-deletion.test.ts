import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { volumeMirrorName } from '../../../src/engine/controllers/mirror/naming.js';
import { MIRROR_FINALIZER } from '../../../src/engine/kube/containers.js';
import { EVENT } from '../../../src/engine/kube/events.js';
import { VOLUME } from '../../../src/engine/kube/resources.js';
import type { Condition } from '../../../src/engine/kube/types.js';
import { NS, WAIT, finalizersOf, mirrorProbes, startConnectedHarness, type MirrorHarness } from '../engine/controllers/mirror/harness.js';

let h: MirrorHarness;
const { find, present, gone } = mirrorProbes(() => h);
/** The controller's backoff: far longer than any wait below, so only an event can make the retry. */
const BACKOFF_MS = 600_000;

describe('fault: stuck deletion is visible', () => {
  beforeAll(async () => {
    h = await startConnectedHarness({ backoff: () => BACKOFF_MS });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('a Volume held by a container says why it stays Terminating, and goes as soon as the holder is removed', async () => {
    await h.docker('volume', 'create', 'held');
    const holder = await h.docker('run', '-d', '--name', 'holder', '-v', 'held:/data', 'busybox', 'sleep', '3600');
    const name = volumeMirrorName('held');
    await present(VOLUME, name);
    await h.client.delete(VOLUME, name, { namespace: NS });
    const stuck = await vi.waitFor(async () => {
      const obj = await find(VOLUME, name);
      const deleting = (obj?.status?.conditions as Condition[] | undefined)?.find((c) => c.type === 'Deleting');
      expect(deleting).toMatchObject({ status: 'False', reason: 'InUse' });
      return { obj: obj!, deleting: deleting! };
    }, WAIT);
    expect(stuck.deleting.message).toMatch(/volume is in use/);
    expect(stuck.obj.metadata.deletionTimestamp).toBeDefined();
    expect(finalizersOf(stuck.obj)).toEqual([MIRROR_FINALIZER]);
    // Exactly one refused attempt: the condition write did not retrigger the key.
    expect(h.logs.filter((l) => l.includes(`reconcile of Volume ${NS}/${name} failed`))).toHaveLength(1);

    const blocked = await h.client.list(EVENT, { fieldSelector: `involvedObject.kind=Volume,involvedObject.name=${name},reason=DeletionBlocked` });
    expect(blocked.items[0]).toMatchObject({ type: 'Warning', message: expect.stringMatching(/volume is in use/) });

    await h.docker('rm', '-f', holder);
    await gone(VOLUME, name);
    await expect(h.docker('volume', 'inspect', 'held')).rejects.toThrow();
  });
});
