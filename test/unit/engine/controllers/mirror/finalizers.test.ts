import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finalizeMirror, isBeingDeleted } from '../../../../../src/engine/controllers/mirror/finalizers.js';
import { DELETING_CONDITION, MIRROR_FINALIZER } from '../../../../../src/engine/kube/containers.js';
import { CONTAINER, CONTAINER_NAMESPACE, IMAGE, VOLUME, apiVersionOf, type ResourceRef } from '../../../../../src/engine/kube/resources.js';
import type { Condition, KubeObject } from '../../../../../src/engine/kube/types.js';
import { ENGINE_CONTROLLER_MANAGER } from '../../../../../src/engine/kube/app.js';
import { dockerError, type DockerKind, type DockerOp } from '../../../../support/docker-stand-in.js';
import { NS, startMirrorFixture, type MirrorCall, type MirrorFixture } from '../../../../support/mirror-context.js';

const IMAGE_ID = 'sha256:1111111111111111111111111111111111111111111111111111111111111111';
const OTHER_ID = 'sha256:2222222222222222222222222222222222222222222222222222222222222222';
const TAG = 'busybox:latest';
/** metav1.Time: whole seconds. */
const WHOLE_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

let fx: MirrorFixture;
beforeAll(async () => {
  fx = await startMirrorFixture();
});
afterAll(async () => {
  await fx?.stop();
});

/** A mirror a user has just deleted (over HTTPS): Terminating, held by the mirror finalizer, as the controller reads it. */
async function deleted(ref: ResourceRef, status: Record<string, unknown>): Promise<KubeObject> {
  const mirror = await fx.createMirror(ref, status);
  await fx.api.client.delete(ref, mirror.metadata.name!, { namespace: NS });
  const terminating = (await fx.find(ref, mirror.metadata.name!))!;
  expect(isBeingDeleted(terminating)).toBe(true);
  return terminating;
}

/** Finalizes `mirror`; resolves to the error thrown, if any. */
async function finalize(call: MirrorCall, ref: ResourceRef, mirror: KubeObject): Promise<Error | undefined> {
  try {
    await finalizeMirror(call.ctx, ref, mirror);
    return undefined;
  } catch (err) {
    return err as Error;
  }
}

function deletingCondition(obj: KubeObject | undefined): Condition | undefined {
  return (obj?.status?.conditions as Condition[] | undefined)?.find((c) => c.type === DELETING_CONDITION);
}

describe('isBeingDeleted', () => {
  const mirror = (deletionTimestamp?: string, finalizers?: string[]): KubeObject => ({
    apiVersion: apiVersionOf(VOLUME),
    kind: 'Volume',
    metadata: { name: 'v', namespace: NS, deletionTimestamp, finalizers },
  });

  it.each([
    ['Terminating and held by the mirror finalizer', mirror('2026-01-01T00:00:00Z', ['other.example/keep', MIRROR_FINALIZER]), true],
    ['not Terminating', mirror(undefined, [MIRROR_FINALIZER]), false],
    ['Terminating without the mirror finalizer', mirror('2026-01-01T00:00:00Z', ['other.example/keep']), false],
    ['Terminating without finalizers', mirror('2026-01-01T00:00:00Z'), false],
  ])('is %s → %s', (_, obj, expected) => {
    expect(isBeingDeleted(obj)).toBe(expected);
  });
});

describe('finalizeMirror', () => {
  const name = '<name>';
  it.each<[string, ResourceRef, Record<string, unknown>, [DockerKind, string, unknown][], string[]]>([
    ['a Container: force-removed by its ID', CONTAINER, { name: 'web' }, [], [`container ${name} remove {"force":true}`]],
    ['an Image still tagged: removed by the tag, not forced', IMAGE, { id: IMAGE_ID, repoTag: TAG }, [['image', TAG, { Id: IMAGE_ID }]], [`image ${TAG} inspect`, `image ${TAG} remove`]],
    ['an Image with a tag and no ID: removed by the tag', IMAGE, { repoTag: TAG }, [['image', TAG, { Id: OTHER_ID }]], [`image ${TAG} inspect`, `image ${TAG} remove`]],
    ['an Image whose tag moved to another image: nothing removed', IMAGE, { id: IMAGE_ID, repoTag: TAG }, [['image', TAG, { Id: OTHER_ID }]], [`image ${TAG} inspect`]],
    ['an Image whose tag is gone: nothing removed', IMAGE, { id: IMAGE_ID, repoTag: TAG }, [], [`image ${TAG} inspect`]],
    ['a dangling Image: removed by its ID', IMAGE, { id: IMAGE_ID }, [], [`image ${IMAGE_ID} remove`]],
    ['an Image with neither tag nor ID: nothing removed', IMAGE, {}, [], []],
    ['a Volume: removed by status.name', VOLUME, { name: 'data' }, [], ['volume data remove']],
    ['a Volume without status.name: nothing removed', VOLUME, {}, [], []],
  ])('%s, then the finalizer stripped', async (_, ref, status, inspects, expected) => {
    const mirror = await deleted(ref, status);
    const call = fx.call();
    for (const [kind, id, result] of inspects) call.engine.inspect(kind, id, result);
    expect(await finalize(call, ref, mirror)).toBeUndefined();
    expect(call.engine.calls).toEqual(expected.map((c) => c.replace(name, mirror.metadata.name!)));
    expect(await fx.find(ref, mirror.metadata.name!)).toBeUndefined();
    expect(call.logs.join('\n')).toContain(`removed the engine object of ${ref.kind} ${NS}/${mirror.metadata.name}`);
    expect(await call.events(mirror.metadata.name!)).toEqual([]);
  });

  it.each<[string, ResourceRef, Record<string, unknown>, DockerKind, string]>([
    ['a Container', CONTAINER, { name: 'web' }, 'container', name],
    ['a tagged Image', IMAGE, { id: IMAGE_ID, repoTag: TAG }, 'image', TAG],
    ['a dangling Image', IMAGE, { id: IMAGE_ID }, 'image', IMAGE_ID],
    ['a Volume', VOLUME, { name: 'data' }, 'volume', 'data'],
  ])('strips the finalizer of %s the engine no longer has', async (_, ref, status, kind, id) => {
    const mirror = await deleted(ref, status);
    const call = fx.call();
    const target = id.replace(name, mirror.metadata.name!);
    call.engine.inspect('image', TAG, { Id: IMAGE_ID });
    call.engine.fail(kind, target, 'remove', dockerError(404, `No such ${kind}: ${target}`));
    expect(await finalize(call, ref, mirror)).toBeUndefined();
    expect(call.engine.calls.filter((c) => c.startsWith(`${kind} ${target} remove`))).toHaveLength(1);
    expect(await fx.find(ref, mirror.metadata.name!)).toBeUndefined();
  });

  it.each<[string, ResourceRef, Record<string, unknown>, DockerKind, string, DockerOp, number, string]>([
    ['a Volume in use: InUse', VOLUME, { name: 'data' }, 'volume', 'data', 'remove', 409, 'InUse'],
    ['an Image a container uses: InUse', IMAGE, { id: IMAGE_ID, repoTag: TAG }, 'image', TAG, 'remove', 409, 'InUse'],
    ['a Container the engine fails to remove: EngineRefused', CONTAINER, { name: 'web' }, 'container', name, 'remove', 500, 'EngineRefused'],
    ['an Image the engine fails to inspect: EngineRefused', IMAGE, { id: IMAGE_ID, repoTag: TAG }, 'image', TAG, 'inspect', 500, 'EngineRefused'],
  ])('keeps %s Terminating with Deleting=False, an event, and throws naming it', async (_, ref, status, kind, id, op, code, reason) => {
    const mirror = await deleted(ref, status);
    const call = fx.call();
    const target = id.replace(name, mirror.metadata.name!);
    const refusal = dockerError(code, `cannot remove ${target}: refused for the test`);
    call.engine.inspect('image', TAG, { Id: IMAGE_ID });
    call.engine.fail(kind, target, op, refusal);
    const err = await finalize(call, ref, mirror);
    expect(err?.message).toBe(`${ref.kind} ${NS}/${mirror.metadata.name}: the engine refused to remove it: cannot remove ${target}: refused for the test`);
    expect(err?.cause).toBe(refusal);
    const after = await fx.find(ref, mirror.metadata.name!);
    expect(after?.metadata.finalizers).toEqual([MIRROR_FINALIZER]);
    expect(deletingCondition(after)).toEqual({
      type: DELETING_CONDITION,
      status: 'False',
      reason,
      message: `the engine refused to remove it: cannot remove ${target}: refused for the test`,
      lastTransitionTime: expect.stringMatching(WHOLE_SECONDS),
    });
    expect(await call.events(mirror.metadata.name!)).toEqual([
      `Warning DeletionBlocked the engine refused to remove it: cannot remove ${target}: refused for the test`,
    ]);
  });

  describe('the Deleting condition', () => {
    /** A Terminating Container mirror (with the engine's own conditions) whose removal fails once with `code`/`message`. */
    async function refusedOnce(code: number, message: string): Promise<KubeObject> {
      const conditions = [
        { type: 'Running', status: 'False', reason: 'Exited', message: 'exited', lastTransitionTime: '2026-01-01T00:00:00Z' },
        { type: 'Paused', status: 'False', reason: 'NotPaused', message: 'not paused', lastTransitionTime: '2026-01-01T00:00:00Z' },
      ];
      const mirror = await deleted(CONTAINER, { name: 'web', conditions });
      const call = fx.call();
      call.engine.fail('container', mirror.metadata.name!, 'remove', dockerError(code, message));
      expect(await finalize(call, CONTAINER, mirror)).toBeDefined();
      return (await fx.find(CONTAINER, mirror.metadata.name!))!;
    }

    /** Refuses the removal of `mirror` again; resolves to the mirror afterwards and the writes the refusal sent. */
    async function refuseAgain(mirror: KubeObject, code: number, message: string): Promise<{ after: KubeObject; writes: string[] }> {
      const call = fx.call();
      call.engine.fail('container', mirror.metadata.name!, 'remove', dockerError(code, message));
      expect((await finalize(call, CONTAINER, mirror))?.message).toContain(`the engine refused to remove it: ${message}`);
      expect(call.engine.calls).toEqual([`container ${mirror.metadata.name} remove {"force":true}`]);
      return { after: (await fx.find(CONTAINER, mirror.metadata.name!))!, writes: call.writes() };
    }

    it('sits beside the engine\'s own conditions, and is not re-written for the same refusal', async () => {
      const blocked = await refusedOnce(500, 'device or resource busy');
      expect((blocked.status?.conditions as Condition[]).map((c) => `${c.type}=${c.status}`)).toEqual(['Running=False', 'Paused=False', 'Deleting=False']);
      const { after, writes } = await refuseAgain(blocked, 500, 'device or resource busy');
      // An identical write would change nothing stored, but costs a request per retry.
      expect(writes).toEqual([]);
      expect(after.metadata.resourceVersion).toBe(blocked.metadata.resourceVersion);
    });

    it('is re-written when the engine\'s words change', async () => {
      const blocked = await refusedOnce(500, 'device or resource busy');
      const { after, writes } = await refuseAgain(blocked, 500, 'driver failed to remove root filesystem');
      expect(writes).toEqual(['apply status']);
      expect(deletingCondition(after)).toMatchObject({ reason: 'EngineRefused', message: 'the engine refused to remove it: driver failed to remove root filesystem' });
    });

    it('is re-written when only the reason changes', async () => {
      const blocked = await refusedOnce(500, 'removal of the container is already in progress');
      const { after } = await refuseAgain(blocked, 409, 'removal of the container is already in progress');
      expect(deletingCondition(after)).toMatchObject({ reason: 'InUse', message: 'the engine refused to remove it: removal of the container is already in progress' });
    });

    it('takes over a Deleting condition another field manager wrote', async () => {
      const stale = { type: DELETING_CONDITION, status: 'False', reason: 'InUse', message: 'written by an older engine controller', lastTransitionTime: '2026-01-01T00:00:00Z' };
      const mirror = await deleted(VOLUME, { name: 'data', conditions: [stale] });
      const call = fx.call();
      call.engine.fail('volume', 'data', 'remove', dockerError(409, 'volume is in use'));
      expect(await finalize(call, VOLUME, mirror)).toBeDefined();
      expect(deletingCondition(await fx.find(VOLUME, mirror.metadata.name!))).toEqual({ ...stale, message: 'the engine refused to remove it: volume is in use' });
      expect(call.logs.join('\n')).not.toContain('cannot report why');
    });

    it('that cannot be written leaves the refusal thrown and the failed write logged', async () => {
      const mirror = await deleted(VOLUME, { name: 'data' });
      // Gone from the API meanwhile: the condition's write finds nothing.
      await fx.local.patch(VOLUME, mirror.metadata.name!, { metadata: { finalizers: null } }, { type: 'merge', namespace: NS, fieldManager: ENGINE_CONTROLLER_MANAGER });
      expect(await fx.find(VOLUME, mirror.metadata.name!)).toBeUndefined();
      const call = fx.call();
      call.engine.fail('volume', 'data', 'remove', dockerError(409, 'volume is in use'));
      const err = await finalize(call, VOLUME, mirror);
      expect(err?.message).toBe(`Volume ${NS}/${mirror.metadata.name}: the engine refused to remove it: volume is in use`);
      expect(call.logs.join('\n')).toMatch(new RegExp(`WARN .*cannot report why Volume ${NS}/${mirror.metadata.name} is not deleted error=.*not found`));
    });
  });

  it('leaves a kind it has no remover for alone', async () => {
    const obj = await fx.local.create(
      CONTAINER_NAMESPACE,
      { apiVersion: apiVersionOf(CONTAINER_NAMESPACE), kind: CONTAINER_NAMESPACE.kind, metadata: { name: 'moby', namespace: NS, finalizers: [MIRROR_FINALIZER] } },
      { namespace: NS, fieldManager: ENGINE_CONTROLLER_MANAGER },
    );
    const call = fx.call();
    expect(await finalize(call, CONTAINER_NAMESPACE, obj)).toBeUndefined();
    expect(call.engine.calls).toEqual([]);
    expect((await fx.find(CONTAINER_NAMESPACE, 'moby'))?.metadata.finalizers).toEqual([MIRROR_FINALIZER]);
  });
});
