import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { computeSettled } from '../../../../../src/engine/kube/app.js';
import { CONTAINER } from '../../../../../src/engine/kube/resources.js';
import { mirrorProbes, startConnectedHarness, type MirrorHarness } from './harness.js';

let h: MirrorHarness;
const { find, present } = mirrorProbes(() => h);

/** Issue 22: a hung engine must show within 10 s (ping every 4 s, 3 s timeout, then the write). */
const NOTICED_WITHIN_MS = 10_000;

describe('engine mirror: a hung engine is noticed', () => {
  let stopped = false;
  beforeAll(async () => {
    h = await startConnectedHarness();
  });
  afterAll(async () => {
    // Never leave the test's own dockerd stopped: its teardown could not end it.
    if (stopped) await h?.dockerd.kill('SIGCONT');
    await h?.stop();
  });

  it('SIGSTOP: ContainerEngineReady False/EngineNotResponding within 10 s, Settled False, mirrors kept; SIGCONT: Connected again', async () => {
    const id = await h.docker('run', '-d', 'busybox', 'sleep', '3600');
    const before = await present(CONTAINER, id, { status: 'running' });
    expect(await h.engineReady()).toMatchObject({ status: 'True', reason: 'Connected' });

    // Only the test's own dockerd, by its PID.
    await h.dockerd.kill('SIGSTOP');
    stopped = true;
    const hungAt = Date.now();
    const hung = await vi.waitFor(
      async () => {
        const ready = await h.engineReady();
        expect(ready).toMatchObject({ status: 'False', reason: 'EngineNotResponding' });
        return ready!;
      },
      { timeout: NOTICED_WITHIN_MS, interval: 100 },
    );
    expect(Date.now() - hungAt).toBeLessThan(NOTICED_WITHIN_MS);
    expect(hung.message).toContain(h.dockerd.socketPath);
    expect(hung.message).toContain('did not answer GET /_ping within 3 s');
    // What `rdd set` waits for: not Settled while the engine does not answer.
    expect(computeSettled(await h.app())).toMatchObject({ status: 'False', reason: 'EngineNotResponding' });
    // The mirrors stay while it hangs, with their uids.
    expect((await find(CONTAINER, id))?.metadata.uid).toBe(before.metadata.uid);

    await h.dockerd.kill('SIGCONT');
    stopped = false;
    await vi.waitFor(async () => expect(await h.engineReady()).toMatchObject({ status: 'True', reason: 'Connected' }), { timeout: 30_000, interval: 100 });
    // Resynced as after an outage: the same mirror, status still as the engine says.
    const after = await present(CONTAINER, id, { status: 'running' });
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(h.logs.join('\n')).toContain('the engine answers again; reconnecting');
  });
});
