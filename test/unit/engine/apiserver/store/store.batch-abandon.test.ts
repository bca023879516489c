import type Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../../src/engine/kube/types.js';
import { StorageError } from '../../../../../src/engine/apiserver/store/open.js';
import { Store, type StoreEvent } from '../../../../../src/engine/apiserver/store/store.js';
import { rejectionOf } from '../../../../support/rejection.js';
import { storesPerTest } from '../../../../support/store.js';

// A full disk met by a write inside a batch makes SQLite roll the whole
// transaction back: the batch's earlier writes are gone too, and each of
// their writers must hear so. The store's own connection is capped with
// SQLite's max_page_count, which fails writes exactly as a full disk does
// (SQLITE_FULL) — the tmpfs in disk-full.test.ts fails commits instead,
// with one write per batch, so it never reaches this path.
const stores = storesPerTest('rdd-store-full.');
let store: Store;
beforeEach(() => {
  store = stores.open();
});

const key = (name: string) => ({ resource: 'g/things', namespace: 'ns', name });
const obj = (name: string, bytes = 10): KubeObject => ({ apiVersion: 'v1', kind: 'Thing', metadata: { name }, data: 'x'.repeat(bytes) });
/** The store's connection: only to cap its size, as a full disk would. */
const connection = (s: Store): Database.Database => Reflect.get(s, 'db') as Database.Database;

describe('a batch SQLite rolled back for a full disk', () => {
  it('fails every write of the batch, publishes none, and the next write starts a new batch', async () => {
    store.put(key('before'), obj('before'), 0);
    await store.durable();
    const published: string[] = [];
    store.hub.subscribe(undefined, { onEvent: (e: StoreEvent) => published.push(e.object.metadata.name ?? ''), onClose: () => undefined });
    const db = connection(store);
    db.pragma(`max_page_count = ${Number(db.pragma('page_count', { simple: true })) + 4}`);

    // One batch (one event-loop turn): a small write that fits, then one that cannot.
    store.put(key('first'), obj('first'), 0);
    const firstDurable = rejectionOf(store.durable(), StorageError);
    expect(() => store.put(key('huge'), obj('huge', 400_000), 0)).toThrow(StorageError);
    const err = await firstDurable;
    expect(err.kind).toBe('full');
    expect(store.get(key('first'))).toBeUndefined();
    expect(store.health.report()).toMatchObject({ healthy: false, problem: { reason: 'DiskFull' } });

    // Space again: the next write opens its own batch and commits.
    db.pragma('max_page_count = 1073741823');
    store.put(key('after'), obj('after'), 0);
    await store.durable();
    expect(store.get(key('after'))).toBeDefined();
    expect(store.get(key('before'))).toBeDefined();
    expect(published).toEqual(['after']);
    expect(store.health.report()).toMatchObject({ healthy: true });
  });
});
