import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../../src/engine/kube/types.js';
import { listOptions, listPage, type Page } from '../../../../../src/engine/apiserver/endpoints/paging.js';
import { Store } from '../../../../../src/engine/apiserver/store/store.js';

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
});
