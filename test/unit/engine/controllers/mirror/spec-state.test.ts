import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driveContainerState, pendingGeneration } from '../../../../../src/engine/controllers/mirror/spec-state.js';
import { CONTAINER } from '../../../../../src/engine/kube/resources.js';
import type { KubeObject } from '../../../../../src/engine/kube/types.js';
import { dockerError } from '../../../../support/docker-stand-in.js';
import { NS, startMirrorFixture, type MirrorCall, type MirrorFixture } from '../../../../support/mirror-context.js';

/** docker inspect's State as the engine reports each case (a paused or restarting container is also Running). */
const ENGINE = {
  exited: { Status: 'exited', Running: false, Paused: false, Restarting: false },
  running: { Status: 'running', Running: true, Paused: false, Restarting: false },
  paused: { Status: 'paused', Running: true, Paused: true, Restarting: false },
  restarting: { Status: 'restarting', Running: true, Paused: false, Restarting: true },
};
type EngineState = keyof typeof ENGINE;
type Intent = 'running' | 'created' | 'paused';

/** metav1.Time: whole seconds. */
const WHOLE_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const STOP_TIMEOUT = 7;

let fx: MirrorFixture;
beforeAll(async () => {
  fx = await startMirrorFixture();
});
afterAll(async () => {
  await fx?.stop();
});

/** A Container mirror whose spec.state a user has just set (over HTTPS, generation 2), as the controller reads it. */
async function intend(state: Intent, status: Record<string, unknown> = { name: 'web' }): Promise<KubeObject> {
  const mirror = await fx.createMirror(CONTAINER, status);
  return setState(mirror, state);
}

async function setState(mirror: KubeObject, state: Intent): Promise<KubeObject> {
  return fx.api.client.patch(CONTAINER, mirror.metadata.name!, { spec: { state } }, { type: 'merge', namespace: NS });
}

async function reread(mirror: KubeObject): Promise<KubeObject> {
  return (await fx.find(CONTAINER, mirror.metadata.name!))!;
}

/** The engine calls made, without the container's name. */
function ops(call: MirrorCall, mirror: KubeObject): string[] {
  return call.engine.calls.map((c) => c.replace(`container ${mirror.metadata.name} `, ''));
}

/** Drives `mirror` with the engine reporting `state`; resolves to the error thrown, if any. */
async function drive(call: MirrorCall, mirror: KubeObject, state?: EngineState): Promise<Error | undefined> {
  if (state) call.engine.inspect('container', mirror.metadata.name!, { Id: mirror.metadata.name, State: ENGINE[state] });
  try {
    await driveContainerState(call.ctx, mirror, STOP_TIMEOUT);
    return undefined;
  } catch (err) {
    return err as Error;
  }
}

describe('pendingGeneration', () => {
  const container = (generation: number | undefined, spec?: Record<string, unknown>, status?: Record<string, unknown>): KubeObject => ({
    apiVersion: 'containers.rancherdesktop.io/v1alpha1',
    kind: 'Container',
    metadata: { name: 'c', namespace: NS, generation },
    spec,
    status,
  });

  it.each([
    ['a generation past the observed one', container(3, { state: 'running' }, { observedGeneration: 2 }), 3],
    ['a generation never observed', container(2, { state: 'paused' }), 2],
    ['a generation past an observed 0', container(1, { state: 'created' }, { observedGeneration: 0 }), 1],
  ])('is the generation to drive for %s', (_, mirror, expected) => {
    expect(pendingGeneration(mirror)).toBe(expected);
  });

  it.each([
    ['the generation already observed', container(2, { state: 'running' }, { observedGeneration: 2 })],
    ['a generation older than the observed one', container(2, { state: 'running' }, { observedGeneration: 3 })],
    ['spec.state unknown (no intent)', container(2, { state: 'unknown' })],
    ['no spec.state', container(2, {})],
    ['no spec', container(2)],
    ['no generation', container(undefined, { state: 'running' })],
  ])('is undefined for %s', (_, mirror) => {
    expect(pendingGeneration(mirror)).toBeUndefined();
  });
});

describe('driveContainerState', () => {
  it.each<[Intent, EngineState, string[]]>([
    ['running', 'exited', ['start']],
    ['running', 'running', []],
    ['running', 'restarting', []],
    ['running', 'paused', ['unpause']],
    ['created', 'running', [`stop {"t":${STOP_TIMEOUT}}`]],
    ['created', 'restarting', [`stop {"t":${STOP_TIMEOUT}}`]],
    ['created', 'paused', ['unpause', `stop {"t":${STOP_TIMEOUT}}`]],
    ['created', 'exited', []],
    ['paused', 'running', ['pause']],
    ['paused', 'paused', []],
  ])('drives spec.state %s from an engine state %s with %j, then records it', async (state, engineState, expected) => {
    const mirror = await intend(state);
    const call = fx.call();
    expect(await drive(call, mirror, engineState)).toBeUndefined();
    expect(ops(call, mirror)).toEqual(['inspect', ...expected]);
    expect(call.writes()).toEqual(['merge status']);
    const after = await reread(mirror);
    expect(after.status?.observedGeneration).toBe(2);
    expect(after.status?.lastAction).toEqual({ state, result: 'Succeeded', time: expect.stringMatching(WHOLE_SECONDS) });
    expect(await call.events(mirror.metadata.name!)).toEqual([`Normal StateChanged container is ${state} (spec.state generation 2)`]);
    expect(call.logs.join('\n')).toContain(`drove Container ${NS}/${mirror.metadata.name} to ${state} generation=2`);
  });

  it('stops on any of Running, Paused and Restarting, each read on its own', async () => {
    for (const flag of ['Running', 'Paused', 'Restarting'] as const) {
      const mirror = await intend('created');
      const call = fx.call();
      const state = { ...ENGINE.exited, [flag]: true };
      call.engine.inspect('container', mirror.metadata.name!, { State: state });
      await driveContainerState(call.ctx, mirror, STOP_TIMEOUT);
      expect(ops(call, mirror).at(-1), flag).toBe(`stop {"t":${STOP_TIMEOUT}}`);
    }
  });

  it('drives each generation once: the mirror as recorded, and one without intent, make no call and no write', async () => {
    const mirror = await intend('running');
    expect(await drive(fx.call(), mirror, 'exited')).toBeUndefined();
    for (const idle of [await reread(mirror), await fx.createMirror(CONTAINER, { name: 'idle' })]) {
      const call = fx.call();
      expect(await drive(call, idle, 'exited')).toBeUndefined();
      expect(call.engine.calls).toEqual([]);
      expect((await reread(idle)).metadata.resourceVersion).toBe(idle.metadata.resourceVersion);
      expect(await call.events(idle.metadata.name!)).toEqual([]);
    }
  });

  it('records a refusal without observing the generation, and throws it naming the container', async () => {
    const mirror = await intend('paused');
    const call = fx.call();
    const refusal = dockerError(409, `Container ${mirror.metadata.name} is not running`);
    call.engine.fail('container', mirror.metadata.name!, 'pause', refusal);
    const err = await drive(call, mirror, 'exited');
    expect(err?.message).toBe(`Container ${NS}/${mirror.metadata.name}: cannot make it paused: Container ${mirror.metadata.name} is not running`);
    expect(err?.cause).toBe(refusal);
    expect(ops(call, mirror)).toEqual(['inspect', 'pause']);
    const after = await reread(mirror);
    expect(after.status?.observedGeneration).toBeUndefined();
    expect(pendingGeneration(after)).toBe(2);
    expect(after.status?.lastAction).toEqual({
      state: 'paused',
      result: 'Failed',
      error: `Container ${mirror.metadata.name} is not running`,
      time: expect.stringMatching(WHOLE_SECONDS),
    });
    expect(await call.events(mirror.metadata.name!)).toEqual([
      `Warning StateChangeFailed cannot make the container paused: Container ${mirror.metadata.name} is not running`,
    ]);
  });

  it('records a container the engine no longer has as a failure (the inspect fails)', async () => {
    const mirror = await intend('running');
    const call = fx.call();
    const err = await drive(call, mirror);
    expect(err?.message).toBe(`Container ${NS}/${mirror.metadata.name}: cannot make it running: No such container: ${mirror.metadata.name}`);
    expect(ops(call, mirror)).toEqual(['inspect']);
    expect((await reread(mirror)).status?.lastAction).toMatchObject({ state: 'running', result: 'Failed', error: `No such container: ${mirror.metadata.name}` });
  });

  it('does not re-write a failure identical to the one recorded (the write would defeat the queue\'s backoff)', async () => {
    // Recorded by an earlier attempt: only the time would differ.
    const earlier = { state: 'running', result: 'Failed', error: 'no space left on device', time: '2026-01-01T00:00:00Z' };
    const failed = await intend('running', { name: 'web', lastAction: earlier });
    const again = fx.call();
    again.engine.fail('container', failed.metadata.name!, 'start', dockerError(500, 'no space left on device'));
    const err = await drive(again, failed, 'exited');
    expect(err?.message).toBe(`Container ${NS}/${failed.metadata.name}: cannot make it running: no space left on device`);
    expect(ops(again, failed)).toEqual(['inspect', 'start']);
    expect(again.writes()).toEqual([]);
    const after = await reread(failed);
    expect(after.status?.lastAction).toEqual(earlier);
    expect(after.metadata.resourceVersion).toBe(failed.metadata.resourceVersion);
    expect(await again.events(failed.metadata.name!)).toEqual(['Warning StateChangeFailed cannot make the container running: no space left on device']);
  });

  it.each<[string, Intent, string]>([
    ['another error for the same state', 'running', 'port is already allocated'],
    ['the same error for another state', 'created', 'no space left on device'],
  ])('writes a failure with %s', async (_, nextState, nextError) => {
    const mirror = await intend('running');
    const first = fx.call();
    first.engine.fail('container', mirror.metadata.name!, 'start', dockerError(500, 'no space left on device'));
    first.engine.fail('container', mirror.metadata.name!, 'stop', dockerError(500, 'no space left on device'));
    expect(await drive(first, mirror, 'exited')).toBeDefined();
    const failed = nextState === 'running' ? await reread(mirror) : await setState(mirror, nextState);
    const next = fx.call();
    next.engine.fail('container', mirror.metadata.name!, 'start', dockerError(500, nextError));
    next.engine.fail('container', mirror.metadata.name!, 'stop', dockerError(500, nextError));
    expect(await drive(next, failed, nextState === 'running' ? 'exited' : 'running')).toBeDefined();
    expect((await reread(mirror)).status?.lastAction).toMatchObject({ state: nextState, result: 'Failed', error: nextError });
  });

  it('writes a failure whose error repeats that of an action annotation\'s record', async () => {
    const record = { action: 'stop', result: 'Failed', error: 'no space left on device', time: '2026-01-01T00:00:00Z' };
    const mirror = await intend('running', { name: 'web', lastAction: record });
    const call = fx.call();
    call.engine.fail('container', mirror.metadata.name!, 'start', dockerError(500, 'no space left on device'));
    expect(await drive(call, mirror, 'exited')).toBeDefined();
    expect((await reread(mirror)).status?.lastAction).toEqual({
      state: 'running',
      result: 'Failed',
      error: 'no space left on device',
      time: expect.stringMatching(WHOLE_SECONDS),
    });
  });

  it('clears the error of a failure once the state is reached', async () => {
    const mirror = await intend('running');
    const first = fx.call();
    first.engine.fail('container', mirror.metadata.name!, 'start', dockerError(500, 'no space left on device'));
    expect(await drive(first, mirror, 'exited')).toBeDefined();
    expect(await drive(fx.call(), await reread(mirror), 'exited')).toBeUndefined();
    const after = await reread(mirror);
    expect(after.status?.lastAction).toEqual({ state: 'running', result: 'Succeeded', time: expect.stringMatching(WHOLE_SECONDS) });
    expect(after.status?.observedGeneration).toBe(2);
  });

  it('records a success that repeats the last one, observing the new generation', async () => {
    const earlier = { state: 'running', result: 'Succeeded', time: '2026-01-01T00:00:00Z' };
    const mirror = await intend('running', { name: 'web', lastAction: earlier, observedGeneration: 1 });
    expect(await drive(fx.call(), mirror, 'running')).toBeUndefined();
    const after = await reread(mirror);
    expect(after.status?.observedGeneration).toBe(2);
    expect(after.status?.lastAction).toMatchObject({ state: 'running', result: 'Succeeded' });
    expect(after.status?.lastAction).not.toMatchObject({ time: earlier.time });
  });

  it('replaces an action annotation\'s record by its own, without the action', async () => {
    const record = { action: 'restart', result: 'Succeeded', time: '2026-01-01T00:00:00Z' };
    const mirror = await intend('paused', { name: 'web', lastAction: record });
    expect(await drive(fx.call(), mirror, 'running')).toBeUndefined();
    expect((await reread(mirror)).status?.lastAction).toEqual({ state: 'paused', result: 'Succeeded', time: expect.stringMatching(WHOLE_SECONDS) });
  });
});
