import { describe, expect, it } from 'vitest';
import { revisionOf, RevisionMismatch } from '../../../../../src/engine/apiserver/store/store.js';
import { deleteThing, putThing, storesPerTest, THINGS, thing, thingKey } from '../../../../support/store.js';

// The revision bookkeeping clients build on: resourceVersions to update
// against, the compacted revision below which a watch or list is answered
// 410 Expired (across a restart too), and conflicts that are the caller's.
const stores = storesPerTest('rdd-store-revisions.');

const conflictOf = (write: () => unknown): RevisionMismatch => {
  try {
    write();
  } catch (err) {
    expect(err).toBeInstanceOf(RevisionMismatch);
    return err as RevisionMismatch;
  }
  throw new Error('the write succeeded, but a conflict was expected');
};

describe('the compacted revision', () => {
  it('survives a restart: a watch or list from before it is refused at once, not served from what is left of the log', () => {
    const store = stores.open({ retainRevisions: 10 });
    for (let v = 1; v <= 30; v++) putThing(store, 'a', 'x', v);
    const compacted = store.compactedRevision;
    expect(compacted).toBeGreaterThan(0);
    stores.close(store);

    const reopened = stores.open({ retainRevisions: 10 });
    expect(reopened.compactedRevision).toBe(compacted);
    expect(reopened.eventsSince(THINGS, compacted - 1)).toBeUndefined();
    expect(reopened.snapshot(THINGS, compacted - 1)).toBeUndefined();
    expect(reopened.eventsSince(THINGS, compacted)?.map((e) => e.revision)).toEqual(Array.from({ length: 30 - compacted }, (_, i) => compacted + 1 + i));
  });

  it('never moves back: after a restart with a longer retention, what was compacted stays refused', () => {
    const store = stores.open({ retainRevisions: 2 });
    for (let v = 1; v <= 10; v++) putThing(store, 'a', 'x', v);
    const compacted = store.compactedRevision;
    expect(compacted).toBe(8);
    stores.close(store);

    const reopened = stores.open({ retainRevisions: 100 });
    // Enough writes for the periodic compaction to run with the longer window.
    for (let v = 11; v <= 30; v++) putThing(reopened, 'a', 'x', v);
    expect(reopened.compactedRevision).toBe(compacted);
    expect(reopened.eventsSince(THINGS, 1)).toBeUndefined();
    expect(reopened.eventsSince(THINGS, compacted)?.[0]).toMatchObject({ revision: compacted + 1 });
  });
});

describe('conflicts', () => {
  it('name the object, and leave the store healthy: they are the caller’s, not the storage’s', () => {
    const store = stores.open();
    putThing(store, 'a', 'x', 1);
    const stale = conflictOf(() => store.put(thingKey('a', 'x'), thing('a', 'x', 2), 0));
    expect(`${stale.name}: ${stale.message}`).toBe(`RevisionMismatch: ${THINGS} a/x changed concurrently`);
    conflictOf(() => store.delete(thingKey('a', 'x'), 7));
    expect(store.health.report()).toEqual({ healthy: true });
    expect(store.get(thingKey('a', 'x'))?.spec).toEqual({ v: 1 });
  });

  it('include deleting what is not there (deleted meanwhile): nothing is written, and the batch goes on', async () => {
    const store = stores.open();
    putThing(store, 'a', 'x', 1);
    const before = store.revision;
    conflictOf(() => store.delete(thingKey('a', 'gone'), 0));
    expect(store.revision).toBe(before);
    deleteThing(store, 'a', 'x');
    await store.durable();
    expect(store.eventsSince(THINGS, 0)?.map((e) => `${e.type} ${e.name}@${e.revision}`)).toEqual(['ADDED x@1', 'DELETED x@2']);
  });
});

describe('revisionOf', () => {
  it('is the revision to expect when updating what was read, 0 (create) for nothing read', () => {
    const store = stores.open();
    const stored = putThing(store, 'a', 'x', 1);
    putThing(store, 'a', 'y', 1);
    expect(revisionOf(stored)).toBe(1);
    expect(revisionOf(store.get(thingKey('a', 'y')))).toBe(2);
    expect(revisionOf(undefined)).toBe(0);
    expect(revisionOf(thing('a', 'z', 1))).toBe(0);
    expect(store.put(thingKey('a', 'x'), thing('a', 'x', 2), revisionOf(stored)).metadata.resourceVersion).toBe('3');
  });
});

describe('namespaceContents', () => {
  it('counts what still lives in a namespace, in every resource, and forgets what was deleted', () => {
    const store = stores.open();
    putThing(store, 'a', 'x', 1);
    putThing(store, 'a', 'y', 1);
    putThing(store, 'a', 'z', 1, 'g/others');
    putThing(store, 'b', 'x', 1);
    const contents = store.namespaceContents('a');
    expect({ ...contents, resources: [...contents.resources].sort() }).toEqual({ count: 3, resources: ['g/others', THINGS] });
    for (const name of ['x', 'y']) deleteThing(store, 'a', name);
    deleteThing(store, 'a', 'z', 'g/others');
    expect(store.namespaceContents('a')).toEqual({ count: 0, resources: [] });
    expect(store.namespaceContents('b')).toEqual({ count: 1, resources: [THINGS] });
  });
});
