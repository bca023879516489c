import { describe, expect, it, vi } from 'vitest';
import type { KubeObject, OwnerReference } from '../../../../src/engine/kube/types.js';
import { ownedBy, serverForFile, configMapsIn } from './fixtures.js';

// How a delete's propagation reaches the dependents: the legacy
// orphanDependents flag, and which dependents hold a Foreground owner.
const api = serverForFile();

const { create, find, del, release } = configMapsIn(api);
/** An owner and one dependent of it. */
async function family(prefix: string, dependent: Partial<OwnerReference> = {}, meta: Partial<KubeObject['metadata']> = {}): Promise<void> {
  const owner = await create(`${prefix}-owner`);
  await create(`${prefix}-dep`, { ownerReferences: [ownedBy(owner, dependent)], ...meta });
}

describe('orphanDependents', () => {
  it.each([
    ['the query', '?orphanDependents=true', undefined],
    ['DeleteOptions', '', { orphanDependents: true }],
  ])('true in %s orphans the dependents, as propagationPolicy=Orphan does', async (_where, query, body) => {
    const prefix = `orphan-${query ? 'query' : 'body'}`;
    await family(prefix);
    expect((await del(`${prefix}-owner`, body, query)).status).toBe(200);
    expect(await find(`${prefix}-owner`)).toBeUndefined();
    // The reference is dropped before the owner goes, so the dependent is never collected.
    const dep = await find(`${prefix}-dep`);
    expect(dep).toBeDefined();
    expect(dep?.metadata.ownerReferences).toBeUndefined();
    expect(dep?.metadata.deletionTimestamp).toBeUndefined();
  });

  it('false collects the dependents in the background', async () => {
    await family('keep');
    expect((await del('keep-owner', undefined, '?orphanDependents=false')).status).toBe(200);
    await vi.waitFor(async () => expect(await find('keep-dep')).toBeUndefined());
  });

  it('set together with propagationPolicy is refused with 422, and nothing is deleted', async () => {
    await family('both');
    const res = await del('both-owner', { propagationPolicy: 'Orphan' }, '?orphanDependents=true');
    expect(res.status).toBe(422);
    expect(await find('both-owner')).toBeDefined();
    expect((await find('both-dep'))?.metadata.ownerReferences).toHaveLength(1);
  });
});

describe('Foreground deletion', () => {
  it.each([
    ['without blockOwnerDeletion', {}],
    ['with blockOwnerDeletion false', { blockOwnerDeletion: false }],
  ])('is not held by a dependent %s, even one its finalizer keeps', async (_how, ref) => {
    const prefix = `fg-${'blockOwnerDeletion' in ref ? 'false' : 'unset'}`;
    await family(prefix, ref, { finalizers: ['test.rdd.io/hold'] });
    expect((await del(`${prefix}-owner`, { propagationPolicy: 'Foreground' })).status).toBe(200);
    await vi.waitFor(async () => expect(await find(`${prefix}-owner`)).toBeUndefined(), { timeout: 5000 });
    // The dependent was deleted too, and only its own finalizer keeps it.
    expect((await find(`${prefix}-dep`))?.metadata.deletionTimestamp).toBeDefined();
    await release(`${prefix}-dep`);
    await vi.waitFor(async () => expect(await find(`${prefix}-dep`)).toBeUndefined());
  });
});
