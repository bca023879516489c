import { describe, expect, it, vi } from 'vitest';
import type { WatchEvent } from '../../../../src/engine/kube/types.js';
import { holdsFor } from '../../../support/holds-for.js';
import { CONFIGMAP, ownedBy, serverForFile, HOLD, configMapsIn } from './fixtures.js';

// Foreground deletion: which dependents hold the owner, and what the owner
// looks like when the collector lets it go.
const api = serverForFile();

const { find, create, release, del } = configMapsIn(api);
const foreground = async (name: string) => {
  const res = await del(name, { propagationPolicy: 'Foreground' });
  expect(res.status).toBe(200);
};

describe('Foreground deletion', () => {
  it('removes an owner without dependents at once; its last state carries no finalizers field', async () => {
    const created = await create('alone');
    const events: WatchEvent[] = [];
    const abort = new AbortController();
    const watching = api().client.watch(CONFIGMAP, { namespace: 'default', resourceVersion: created.metadata.resourceVersion, signal: abort.signal }, (e) => {
      if (e.object.metadata.name === 'alone') events.push(e);
    });
    await foreground('alone');
    await vi.waitFor(() => expect(events.map((e) => e.type)).toEqual(['MODIFIED', 'MODIFIED', 'DELETED']));
    abort.abort();
    await watching;
    expect(events[0]?.object.metadata.finalizers).toEqual(['foregroundDeletion']);
    // As kube leaves out an empty list: no `finalizers: []`.
    expect(events[1]?.object.metadata).not.toHaveProperty('finalizers');
    expect(await find('alone')).toBeUndefined();
  });

  it("keeps the owner's own finalizers: once its dependents are gone, only foregroundDeletion goes and the owner waits for the rest", async () => {
    const owner = await create('own-owner', { finalizers: [HOLD] });
    await create('own-dep', { ownerReferences: [ownedBy(owner, { blockOwnerDeletion: true })] });
    await foreground('own-owner');
    await vi.waitFor(async () => expect(await find('own-dep')).toBeUndefined());
    await vi.waitFor(async () => expect((await find('own-owner'))?.metadata.finalizers).toEqual([HOLD]));
    await holdsFor(1000, async () => expect((await find('own-owner'))?.metadata).toMatchObject({ finalizers: [HOLD], deletionTimestamp: expect.any(String) }));
    await release('own-owner');
    await vi.waitFor(async () => expect(await find('own-owner')).toBeUndefined());
  });

  it('is held by a dependent that blocks it, although that dependent has another owner', async () => {
    const owner = await create('held-owner');
    const other = await create('held-other');
    await create('held-dep', { ownerReferences: [ownedBy(owner, { blockOwnerDeletion: true }), ownedBy(other)], finalizers: [HOLD] });
    await foreground('held-owner');
    await vi.waitFor(async () => expect((await find('held-dep'))?.metadata.deletionTimestamp).toBeDefined());
    await holdsFor(1000, async () => expect((await find('held-owner'))?.metadata.finalizers).toEqual(['foregroundDeletion']));
    await release('held-dep');
    await vi.waitFor(async () => expect(await find('held-owner')).toBeUndefined());
  });

  it('is not held by a dependent that blocks only its other owner', async () => {
    const owner = await create('free-owner');
    const other = await create('free-other');
    await create('free-dep', { ownerReferences: [ownedBy(owner), ownedBy(other, { blockOwnerDeletion: true })], finalizers: [HOLD] });
    await foreground('free-owner');
    await vi.waitFor(async () => expect(await find('free-owner')).toBeUndefined());
    expect((await find('free-dep'))?.metadata.deletionTimestamp).toBeDefined();
    await release('free-dep');
  });
});
