import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../../src/engine/kube/types.js';
import { RevisionMismatch, type StoreEvent } from '../../../../../src/engine/apiserver/store/store.js';
import { storesPerTest } from '../../../../support/store.js';

const stores = storesPerTest('rdd-store.');

const obj = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Thing', metadata: { name }, ...extra });
const key = (name: string) => ({ resource: 'g/things', namespace: 'ns', name });

describe('Store', () => {
  it('gives every write the next global revision and stamps it as a string resourceVersion', () => {
    const store = stores.open();
    const a = store.put(key('a'), obj('a'), 0);
    const b = store.put(key('b'), obj('b'), 0);
    const a2 = store.put(key('a'), obj('a', { spec: { x: 1 } }), 1);
    expect([a, b, a2].map((o) => o.metadata.resourceVersion)).toEqual(['1', '2', '3']);
    expect(store.get(key('a'))?.spec).toEqual({ x: 1 });
    expect(store.list('g/things', 'ns')).toMatchObject({ revision: 3, items: [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }] });
    expect(() => store.put(key('a'), obj('a'), 1)).toThrow(RevisionMismatch);
    expect(() => store.put(key('b'), obj('b'), 0)).toThrow(RevisionMismatch);
    stores.close(store);
  });

  it('replays the log after a revision and fans live events out with the previous state', async () => {
    const store = stores.open();
    store.put(key('a'), obj('a'), 0);
    store.put(key('a'), obj('a', { spec: { x: 2 } }), 1);
    await store.durable();
    const live: StoreEvent[] = [];
    const off = store.hub.subscribe('g/things', { onEvent: (e) => live.push(e), onClose: () => {} });
    const deleted = store.delete(key('a'), 2);
    await store.durable();
    off();
    store.put(key('b'), obj('b'), 0);
    expect(deleted.metadata.resourceVersion).toBe('3');
    expect(store.eventsSince('g/things', 1)?.map((e) => `${e.type}@${e.revision}`)).toEqual(['MODIFIED@2', 'DELETED@3', 'ADDED@4']);
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({ type: 'DELETED', revision: 3, previous: { spec: { x: 2 } } });
    stores.close(store);
  });

  it('commits the writes of one event-loop turn together and publishes their events after the commit, in order', async () => {
    const store = stores.open();
    const live: StoreEvent[] = [];
    store.hub.subscribe('g/things', { onEvent: (e) => live.push(e), onClose: () => {} });
    store.put(key('a'), obj('a'), 0);
    store.put(key('b'), obj('b'), 0);
    expect(() => store.put(key('a'), obj('a'), 0)).toThrow(RevisionMismatch);
    store.put(key('a'), obj('a', { spec: { x: 1 } }), 1);
    // Visible to reads at once, but not published (nor durable) before the commit.
    expect(store.get(key('b'))).toBeDefined();
    expect(live).toEqual([]);
    await store.durable();
    expect(live.map((e) => `${e.type} ${e.name}@${e.revision}`)).toEqual(['ADDED a@1', 'ADDED b@2', 'MODIFIED a@3']);
    stores.close(store);
  });

  it('checkpoints the WAL under a steady stream of writes, when a batch is open at every turn', async () => {
    const file = stores.file();
    const store = stores.open({ retainRevisions: 100_000 });
    const big = 'x'.repeat(4000);
    // One write per event-loop turn: each turn's batch is still open when the previous one's checkpoint comes due.
    for (let i = 0; i < 2000; i++) {
      store.put(key(`o${i}`), obj(`o${i}`, { spec: { big } }), 0);
      await new Promise((r) => setImmediate(r));
    }
    await store.durable();
    // 2,000 writes of ~4 KB objects, each a few WAL pages, would be over 20 MB of WAL without a checkpoint.
    expect(statSync(`${file}-wal`).size).toBeLessThan(8 * 2 ** 20);
    stores.close(store);
  });

  it('commits what is pending when it closes', () => {
    const store = stores.open();
    store.put(key('a'), obj('a'), 0);
    stores.close(store);
    const reopened = stores.open();
    expect(reopened.get(key('a'))?.metadata.resourceVersion).toBe('1');
    stores.close(reopened);
  });

  it('compacts the log to the retention window and keeps revisions across a reopen', () => {
    const store = stores.open({ retainRevisions: 10 });
    store.put(key('a'), obj('a'), 0);
    for (let rev = 1; rev < 30; rev++) store.put(key('a'), obj('a', { spec: { n: rev } }), rev);
    expect(store.compactedRevision).toBeGreaterThanOrEqual(15);
    expect(store.eventsSince('g/things', 1)).toBeUndefined();
    expect(store.eventsSince('g/things', 25)?.map((e) => e.revision)).toEqual([26, 27, 28, 29, 30]);
    stores.close(store);

    const reopened = stores.open({ retainRevisions: 10 });
    expect(reopened.revision).toBe(30);
    expect(reopened.get(key('a'))?.spec).toEqual({ n: 29 });
    expect(reopened.put(key('b'), obj('b'), 0).metadata.resourceVersion).toBe('31');
    expect(reopened.eventsSince('g/things', 1)).toBeUndefined();
    stores.close(reopened);
  });

  it('keeps the newest revision when everything is deleted and compacted', () => {
    const store = stores.open({ retainRevisions: 1 });
    store.put(key('a'), obj('a'), 0);
    store.delete(key('a'), 1);
    store.put(key('b'), obj('b'), 0);
    store.delete(key('b'), 3);
    store.compact(0);
    stores.close(store);
    const reopened = stores.open();
    expect(reopened.revision).toBe(4);
    stores.close(reopened);
  });

  it('keeps what live objects and retained rows need when it compacts, and nothing else', () => {
    const file = stores.file();
    const store = stores.open({ retainRevisions: 10 });
    store.put(key('kept'), obj('kept', { spec: { old: true } }), 0);
    store.put(key('gone'), obj('gone'), 0);
    store.delete(key('gone'), 2);
    store.put(key('a'), obj('a'), 0);
    for (let rev = 4; rev < 40; rev++) store.put(key('a'), obj('a', { spec: { n: rev } }), rev);
    store.compact();
    // Its only write left the window long ago, and the object is still whole.
    expect(store.get(key('kept'))?.spec).toEqual({ old: true });
    expect(store.list('g/things').items.map((o) => o.metadata.name)).toEqual(['a', 'kept']);
    // The first retained update still knows the state it replaced, which is older than the window.
    const [first] = store.eventsSince('g/things', store.compactedRevision) ?? [];
    expect(first.previous?.spec).toEqual({ n: first.revision - 2 });
    stores.close(store);

    const db = new Database(file, { readonly: true });
    const revs = db.prepare('SELECT rev FROM log ORDER BY rev').pluck().all() as number[];
    db.close();
    // The window, the state its first row replaced, and `kept`: no deletion and no older state of `a`.
    expect(revs).toEqual([1, ...Array.from({ length: 11 }, (_, i) => 30 + i)]);
  });

  it('upgrades a store written with a copy of every object in `current` and previous states in the log', () => {
    const file = stores.file();
    const state = (name: string, rev: number, spec: unknown) => JSON.stringify({ ...obj(name, { spec }), metadata: { name, resourceVersion: String(rev) } });
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.exec(`
      CREATE TABLE log (rev INTEGER PRIMARY KEY, type TEXT NOT NULL, resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, prev TEXT);
      CREATE INDEX log_resource ON log (resource, rev);
      CREATE TABLE current (resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, rev INTEGER NOT NULL, value TEXT NOT NULL, PRIMARY KEY (resource, namespace, name));
      CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    `);
    // Revisions 1-3 were compacted away: b was written at 1 and a at 2, and 3 deleted c.
    old.prepare('INSERT INTO meta VALUES (?, ?)').run('compacted', 3);
    const insertLog = old.prepare('INSERT INTO log VALUES (?, ?, ?, ?, ?, ?, ?)');
    insertLog.run(4, 'MODIFIED', 'g/things', 'ns', 'a', state('a', 4, { n: 4 }), state('a', 2, { n: 2 }));
    insertLog.run(5, 'ADDED', 'g/things', 'ns', 'd', state('d', 5, { n: 5 }), null);
    const insertCurrent = old.prepare('INSERT INTO current VALUES (?, ?, ?, ?, ?)');
    insertCurrent.run('g/things', 'ns', 'a', 4, state('a', 4, { n: 4 }));
    insertCurrent.run('g/things', 'ns', 'b', 1, state('b', 1, { n: 1 }));
    insertCurrent.run('g/things', 'ns', 'd', 5, state('d', 5, { n: 5 }));
    old.close();

    const store = stores.open();
    expect(store.upgraded).toEqual({ objects: 3 });
    expect(store.revision).toBe(5);
    expect(store.list('g/things').items.map((o) => [o.metadata.name, o.spec])).toEqual([['a', { n: 4 }], ['b', { n: 1 }], ['d', { n: 5 }]]);
    expect(store.eventsSince('g/things', 3)?.map((e) => [e.type, e.revision, e.previous?.spec])).toEqual([
      ['MODIFIED', 4, { n: 2 }],
      ['ADDED', 5, undefined],
    ]);
    expect(store.put(key('b'), obj('b', { spec: { n: 6 } }), 1).metadata.resourceVersion).toBe('6');
    expect(store.eventsSince('g/things', 5)?.[0].previous?.spec).toEqual({ n: 1 });
    stores.close(store);

    const db = new Database(file, { readonly: true });
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    db.close();
    expect(tables).toEqual(['current', 'log', 'meta']);
    const reopened = stores.open();
    expect(reopened.upgraded).toBeUndefined();
    stores.close(reopened);
  });
});
