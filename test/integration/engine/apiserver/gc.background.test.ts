import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../../src/engine/base/log.js';
import { rawRequest } from '../../../support/apiserver.js';
import { holdsFor } from '../../../support/holds-for.js';
import { CONFIGMAP, ownedBy, serverForFile, HOLD, configMapsIn } from './fixtures.js';

// Background collection as the collector's index follows writes: which
// dependents go with their owner, and which writes must leave them alone.
// What the collector logs: a warning means a write of its failed.
const warnings: string[] = [];
const api = serverForFile({ log: createLogger({ level: 'warn', write: (line) => warnings.push(line) }) });

const { find, create, remove } = configMapsIn(api);
const label = (name: string, value: string) => api().client.patch(CONFIGMAP, name, { metadata: { labels: { touched: value } } }, { type: 'merge', namespace: 'default' });
/** The dependent still there, unchanged in what the collector writes. */
const untouched = async (name: string, ownerUids: (string | undefined)[]) => {
  const dep = await find(name);
  expect(dep?.metadata.deletionTimestamp).toBeUndefined();
  expect(dep?.metadata.ownerReferences?.map((r) => r.uid)).toEqual(ownerUids);
};

describe('Background collection', () => {
  it('collects every dependent of an owner, also after one of them changed', async () => {
    const owner = await create('sib-owner');
    await create('sib-a', { ownerReferences: [ownedBy(owner)] });
    await create('sib-b', { ownerReferences: [ownedBy(owner)] });
    await label('sib-a', 'yes');
    await remove('sib-owner');
    await vi.waitFor(async () => {
      expect(await find('sib-a')).toBeUndefined();
      expect(await find('sib-b')).toBeUndefined();
    });
  });

  it('collects a dependent that lists its owner twice, after it changed', async () => {
    const owner = await create('twice-owner');
    await create('twice-dep', { ownerReferences: [ownedBy(owner), ownedBy(owner)] });
    await label('twice-dep', 'yes');
    await remove('twice-owner');
    await vi.waitFor(async () => expect(await find('twice-dep')).toBeUndefined());
  });

  it('collects a dependent with its last owner when its other owner was already gone', async () => {
    const early = await create('early-owner');
    await remove('early-owner');
    const last = await create('last-owner');
    await create('late-dep', { ownerReferences: [ownedBy(last), ownedBy(early)] });
    await remove('last-owner');
    await vi.waitFor(async () => expect(await find('late-dep')).toBeUndefined());
  });

  it.each(['Background', 'Foreground'])(
    '%s: deleting two owners in one request collects their shared dependent and each one\'s own',
    async (policy) => {
      const p = policy.toLowerCase();
      const labels = { pair: p };
      const a = await create(`${p}-a`, { labels });
      const b = await create(`${p}-b`, { labels });
      // The shared dependent first: each owner's collection meets it after the other owner's already deleted it.
      await create(`${p}-shared`, { ownerReferences: [ownedBy(a), ownedBy(b)] });
      await create(`${p}-a-own`, { ownerReferences: [ownedBy(a)] });
      await create(`${p}-b-own`, { ownerReferences: [ownedBy(b)] });
      const res = await rawRequest(api(), 'DELETE', `/api/v1/namespaces/default/configmaps?labelSelector=pair%3D${p}`, { body: JSON.stringify({ propagationPolicy: policy }) });
      expect(res.status).toBe(200);
      await vi.waitFor(async () => {
        for (const name of [`${p}-a`, `${p}-b`, `${p}-shared`, `${p}-a-own`, `${p}-b-own`]) expect(await find(name)).toBeUndefined();
      });
      // Meeting the shared dependent gone already is no failure.
      expect(warnings.filter((w) => w.includes('garbage collector'))).toEqual([]);
    },
  );

  it('collects a dependent created with a reference to an owner already gone, as after a restart', async () => {
    const gone = await create('gone-owner');
    await remove('gone-owner');
    await create('orphaned-dep', { ownerReferences: [ownedBy(gone)] });
    await vi.waitFor(async () => expect(await find('orphaned-dep')).toBeUndefined());
  });

  it('drops the reference to an owner already gone from a dependent that has another owner', async () => {
    const gone = await create('gone-one');
    await remove('gone-one');
    const kept = await create('kept-one');
    await create('half-dep', { ownerReferences: [ownedBy(kept), ownedBy(gone)] });
    await vi.waitFor(async () => expect((await find('half-dep'))?.metadata.ownerReferences?.map((r) => r.uid)).toEqual([kept.metadata.uid]));
  });

  it('keeps the dependents of an owner that lingers behind its own finalizer until it is gone', async () => {
    const owner = await create('lingering-owner', { finalizers: [HOLD] });
    await create('lingering-dep', { ownerReferences: [ownedBy(owner)] });
    await remove('lingering-owner');
    await holdsFor(1000, () => untouched('lingering-dep', [owner.metadata.uid]));
    await api().client.patch(CONFIGMAP, 'lingering-owner', { metadata: { finalizers: null } }, { type: 'merge', namespace: 'default' });
    await vi.waitFor(async () => expect(await find('lingering-dep')).toBeUndefined());
  });

  it('leaves the dependents alone when their owner changes', async () => {
    const owner = await create('live-owner');
    await create('live-dep', { ownerReferences: [ownedBy(owner)] });
    await label('live-owner', 'yes');
    await holdsFor(1000, () => untouched('live-dep', [owner.metadata.uid]));
  });

  it('leaves the dependents of a dependent alone when that dependent changes', async () => {
    const top = await create('chain-top');
    const middle = await create('chain-middle', { ownerReferences: [ownedBy(top)] });
    await create('chain-bottom', { ownerReferences: [ownedBy(middle)] });
    await label('chain-middle', 'yes');
    await holdsFor(1000, () => untouched('chain-bottom', [middle.metadata.uid]));
  });

  it('leaves the dependents alone of an owner that carries foregroundDeletion without being deleted', async () => {
    const owner = await create('marked-owner', { finalizers: ['foregroundDeletion'] });
    await create('marked-dep', { ownerReferences: [ownedBy(owner, { blockOwnerDeletion: true })] });
    await label('marked-owner', 'yes');
    await holdsFor(1000, () => untouched('marked-dep', [owner.metadata.uid]));
    await api().client.patch(CONFIGMAP, 'marked-owner', { metadata: { finalizers: null } }, { type: 'merge', namespace: 'default' });
  });

  it('propagationPolicy=Orphan on a collection that holds a dependent and its owner deletes both', async () => {
    const labels = { orphanpair: 'yes' };
    // Listed by name: the dependent goes first, then its owner orphans what is left of it.
    const owner = await create('op-owner', { labels });
    await create('op-a-dep', { labels, ownerReferences: [ownedBy(owner)] });
    const res = await rawRequest(api(), 'DELETE', '/api/v1/namespaces/default/configmaps?labelSelector=orphanpair%3Dyes', { body: JSON.stringify({ propagationPolicy: 'Orphan' }) });
    expect(res.status).toBe(200);
    expect(await find('op-owner')).toBeUndefined();
    expect(await find('op-a-dep')).toBeUndefined();
  });

  it('propagationPolicy=Orphan deletes an owner without dependents like any other', async () => {
    await create('lone');
    const res = await rawRequest(api(), 'DELETE', '/api/v1/namespaces/default/configmaps/lone', { body: JSON.stringify({ propagationPolicy: 'Orphan' }) });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'lone', kind: 'configmaps' } });
    expect(await find('lone')).toBeUndefined();
  });
});
