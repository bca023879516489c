import { describe, expect, it } from 'vitest';
import { deleteThing, putThing, rowsOf, storesPerTest, THINGS } from '../../../../support/store.js';

// What a list and each page of a paged list read (endpoints/paging.ts): the
// objects of a resource as they were at one revision, in key order
// (namespace, then name), after the previous page's last key; undefined —
// the API's 410 — once the log no longer reaches back to that revision.
const stores = storesPerTest('rdd-store-snapshot.');

describe('a list of the current objects', () => {
  it('is ordered by namespace, then name, in one namespace or all, with the revision it is consistent with', () => {
    const store = stores.open();
    for (const [ns, name] of [['b', 'a'], ['a', 'z'], ['a', 'b']]) putThing(store, ns, name, 1);
    putThing(store, 'a', 'other', 1, 'g/others');
    const names = (items: { metadata: { namespace?: string; name?: string } }[]) => items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    expect(names(store.list(THINGS).items)).toEqual(['a/b', 'a/z', 'b/a']);
    expect(names(store.list(THINGS, 'a').items)).toEqual(['a/b', 'a/z']);
    expect(store.list(THINGS).revision).toBe(4);
    // The raw texts, as a plain list answers them without re-encoding: the same objects, the same filter.
    const raw = store.listRaw(THINGS);
    expect(raw).toEqual({ items: store.list(THINGS).items.map((o) => JSON.stringify(o)), revision: 4 });
    expect(store.listRaw(THINGS, 'b').items.map((text) => JSON.parse(text) as unknown)).toEqual(store.list(THINGS, 'b').items);
  });
});

describe('a snapshot of cluster-scoped objects', () => {
  it('holds them all (their namespace is empty), whatever their names sort like, now and at an older revision', () => {
    const store = stores.open();
    for (const name of ['1st', 'node-a', 'node-b']) putThing(store, '', name, 1);
    const then = store.revision;
    deleteThing(store, '', '1st');
    putThing(store, '', '0th', 1);
    expect(rowsOf(store.snapshot(THINGS, store.revision))).toEqual(['/0th:1', '/node-a:1', '/node-b:1']);
    expect(rowsOf(store.snapshot(THINGS, then))).toEqual(['/1st:1', '/node-a:1', '/node-b:1']);
    expect(rowsOf(store.snapshot(THINGS, then, undefined, { namespace: '', name: '1st' }))).toEqual(['/node-a:1', '/node-b:1']);
  });
});

describe('a snapshot at an older revision', () => {
  it('is the list as it was: later creations absent, later updates and deletions undone, in key order', () => {
    const store = stores.open();
    for (const [ns, name] of [['a', 'x'], ['a', 'y'], ['b', 'x'], ['c', 'a']]) putThing(store, ns, name, 1);
    putThing(store, 'a', 'x', 1, 'g/others');
    const then = store.revision;
    // Changed afterwards in an order unlike the key order, with writes to another resource in between.
    putThing(store, 'c', 'a', 2);
    deleteThing(store, 'c', 'a');
    deleteThing(store, 'b', 'x');
    putThing(store, 'a', 'y', 2);
    const mid = store.revision;
    putThing(store, 'a', 'y', 3);
    putThing(store, 'a', 'z', 1);
    putThing(store, 'b', 'a', 1);
    deleteThing(store, 'a', 'x', 'g/others');

    expect(rowsOf(store.snapshot(THINGS, then))).toEqual(['a/x:1', 'a/y:1', 'b/x:1', 'c/a:1']);
    expect(rowsOf(store.snapshot(THINGS, mid))).toEqual(['a/x:1', 'a/y:2']);
    expect(rowsOf(store.snapshot(THINGS, then, 'b'))).toEqual(['b/x:1']);
    expect(rowsOf(store.snapshot(THINGS, then, 'a'))).toEqual(['a/x:1', 'a/y:1']);
    expect(rowsOf(store.snapshot('g/others', then))).toEqual(['a/x:1']);
    // At the newest revision: what a new list shows.
    expect(rowsOf(store.snapshot(THINGS, store.revision))).toEqual(['a/x:1', 'a/y:3', 'a/z:1', 'b/a:1']);
    expect(rowsOf(store.snapshot(THINGS, store.revision, 'b'))).toEqual(['b/a:1']);
  });

  it('pages on after the previous page’s last key, across namespaces, never repeating that key though it changed since', () => {
    const store = stores.open();
    for (const [ns, name] of [['a', 'x'], ['a', 'y'], ['b', 'x'], ['b', 'y']]) putThing(store, ns, name, 1);
    const then = store.revision;
    // After the first page (ending at a/y): that key changes, a/x and b/x go, a/z and b/a appear.
    putThing(store, 'a', 'y', 2);
    deleteThing(store, 'a', 'x');
    deleteThing(store, 'b', 'x');
    putThing(store, 'a', 'z', 1);
    putThing(store, 'b', 'a', 1);

    const page = (after: { namespace: string; name: string }, namespace?: string) => rowsOf(store.snapshot(THINGS, then, namespace, after));
    expect(page({ namespace: 'a', name: 'y' })).toEqual(['b/x:1', 'b/y:1']);
    expect(page({ namespace: 'a', name: 'x' })).toEqual(['a/y:1', 'b/x:1', 'b/y:1']);
    expect(page({ namespace: 'b', name: 'a' })).toEqual(['b/x:1', 'b/y:1']);
    expect(page({ namespace: 'b', name: 'x' }, 'b')).toEqual(['b/y:1']);
    expect(page({ namespace: 'a', name: '' }, 'a')).toEqual(['a/x:1', 'a/y:1']);
  });
});

describe('a snapshot at a compacted revision', () => {
  it('is refused (410) below the compacted revision, and served at it and after', () => {
    const store = stores.open();
    putThing(store, 'a', 'x', 1);
    putThing(store, 'a', 'x', 2);
    putThing(store, 'a', 'y', 1);
    putThing(store, 'a', 'x', 3);
    store.compact(2);
    expect(store.compactedRevision).toBe(2);
    expect(store.snapshot(THINGS, 1)).toBeUndefined();
    expect(rowsOf(store.snapshot(THINGS, 2))).toEqual(['a/x:2']);
    // Compacted up to the newest revision: a list at it is still served.
    store.compact(0);
    expect(store.compactedRevision).toBe(store.revision);
    expect(store.snapshot(THINGS, store.revision - 1)).toBeUndefined();
    expect(rowsOf(store.snapshot(THINGS, store.revision))).toEqual(['a/x:3', 'a/y:1']);
  });
});
