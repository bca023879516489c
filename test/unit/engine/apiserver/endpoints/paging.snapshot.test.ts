import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../../src/engine/kube/types.js';
import { StatusError } from '../../../../../src/engine/apiserver/endpoints/errors.js';
import { listOptions, listPage, type Page } from '../../../../../src/engine/apiserver/endpoints/paging.js';
import { Store } from '../../../../../src/engine/apiserver/store/store.js';
import { rejectionOf } from '../../../../support/rejection.js';

// Pages against the real store: every page of one list is read at the first
// page's revision, however many writes land between the pages.
let dir: string;
let store: Store;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'rdd-paging.'));
  store = new Store({ path: path.join(dir, 'db') });
});
afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

const RESOURCE = 'test.rdd.io/widgets';
const key = (name: string) => ({ resource: RESOURCE, namespace: 'default', name });
const widget = (name: string, color: string): KubeObject => ({ apiVersion: 'test.rdd.io/v1', kind: 'Widget', metadata: { name, namespace: 'default' }, spec: { color } });
const next = (prev: Page | undefined): Page => {
  const query = new URLSearchParams(prev ? { limit: '2', continue: prev.continue ?? '' } : { limit: '2' });
  return listPage(store, RESOURCE, 'default', listOptions(query, store.revision));
};
const summary = (p: Page) => p.items.map((o) => `${o.metadata.name}:${(o.spec as { color: string }).color}`);

describe('a paged list', () => {
  it('reads every page at page 1’s revision, even after a write that would change page 3', () => {
    for (const n of ['p1', 'p2', 'p3', 'p4', 'p5']) store.put(key(n), widget(n, 'red'), 0);
    const first = next(undefined);
    // After page 1: p5 (on page 3) changes, p6 (would join page 3) appears.
    store.put(key('p5'), widget('p5', 'green'), Number(store.get(key('p5'))?.metadata.resourceVersion));
    store.put(key('p6'), widget('p6', 'blue'), 0);
    const second = next(first);
    const third = next(second);
    expect([first, second, third].map(summary)).toEqual([['p1:red', 'p2:red'], ['p3:red', 'p4:red'], ['p5:red']]);
    expect([second.revision, third.revision]).toEqual([first.revision, first.revision]);
    expect(third.continue).toBeUndefined();
    // A new list sees both writes.
    expect(summary(listPage(store, RESOURCE, 'default', {}))).toEqual(['p1:red', 'p2:red', 'p3:red', 'p4:red', 'p5:green', 'p6:blue']);
  });

  it('counts the items after a page, and has no continue on the last one', () => {
    for (const n of ['p1', 'p2', 'p3']) store.put(key(n), widget(n, 'red'), 0);
    const first = listPage(store, RESOURCE, 'default', { limit: 1 });
    expect([summary(first), first.remainingItemCount]).toEqual([['p1:red'], 2]);
    const all = listPage(store, RESOURCE, 'default', { limit: 3 });
    expect([all.continue, all.remainingItemCount]).toEqual([undefined, undefined]);
  });

  it('pages over what a selector matches, without a count, ending where nothing more matches', () => {
    for (const [n, color] of [['p1', 'red'], ['p2', 'blue'], ['p3', 'red'], ['p4', 'blue']]) store.put(key(n), widget(n, color), 0);
    const red = (o: KubeObject) => (o.spec as { color: string }).color === 'red';
    const first = listPage(store, RESOURCE, 'default', { limit: 1 }, red);
    expect(summary(first)).toEqual(['p1:red']);
    expect(first.remainingItemCount).toBeUndefined();
    const second = listPage(store, RESOURCE, 'default', listOptions(new URLSearchParams({ limit: '1', continue: first.continue ?? '' }), store.revision), red);
    expect(summary(second)).toEqual(['p3:red']);
    // p4 is left, but it does not match: no further page.
    expect(second.continue).toBeUndefined();
  });

  it('answers 410 Expired for a continue, and 410 for an exact list, at a compacted revision', async () => {
    store.put(key('p1'), widget('p1', 'red'), 0);
    const old = store.revision;
    for (let i = 0; i < 4; i++) store.put(key(`q${i}`), widget(`q${i}`, 'red'), 0);
    store.compact(1);
    const expired = await rejectionOf(Promise.resolve().then(() => listPage(store, RESOURCE, 'default', { revision: old, after: { namespace: 'default', name: 'p1' } })), StatusError);
    expect(expired.toStatus()).toMatchObject({ code: 410, reason: 'Expired', message: expect.stringMatching(/^The provided continue parameter is too old/) });
    const gone = await rejectionOf(Promise.resolve().then(() => listPage(store, RESOURCE, 'default', { revision: old })), StatusError);
    expect(gone.toStatus()).toMatchObject({ code: 410, message: 'The resourceVersion for the provided list is too old.' });
  });
});
