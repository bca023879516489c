import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/kube/types.js';
import { RevisionMismatch, Store, type StoreEvent } from '../../../src/apiserver/store/store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'rdd-store.'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const obj = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Thing', metadata: { name }, ...extra });
const key = (name: string) => ({ resource: 'g/things', namespace: 'ns', name });

describe('Store', () => {
  it('gives every write the next global revision and stamps it as a string resourceVersion', () => {
    const store = new Store({ path: path.join(dir, 'db') });
    const a = store.put(key('a'), obj('a'), 0);
    const b = store.put(key('b'), obj('b'), 0);
    const a2 = store.put(key('a'), obj('a', { spec: { x: 1 } }), 1);
    expect([a, b, a2].map((o) => o.metadata.resourceVersion)).toEqual(['1', '2', '3']);
    expect(store.get(key('a'))?.spec).toEqual({ x: 1 });
    expect(store.list('g/things', 'ns')).toMatchObject({ revision: 3, items: [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }] });
    expect(() => store.put(key('a'), obj('a'), 1)).toThrow(RevisionMismatch);
    expect(() => store.put(key('b'), obj('b'), 0)).toThrow(RevisionMismatch);
    store.close();
  });

  it('replays the log after a revision and fans live events out with the previous state', async () => {
    const store = new Store({ path: path.join(dir, 'db') });
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
    store.close();
  });

  it('commits the writes of one event-loop turn together and publishes their events after the commit, in order', async () => {
    const store = new Store({ path: path.join(dir, 'db') });
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
    store.close();
  });

  it('checkpoints the WAL under a steady stream of writes, when a batch is open at every turn', async () => {
    const file = path.join(dir, 'db');
    const store = new Store({ path: file, retainRevisions: 100_000 });
    const big = 'x'.repeat(4000);
    // One write per event-loop turn: each turn's batch is still open when the previous one's checkpoint comes due.
    for (let i = 0; i < 2000; i++) {
      store.put(key(`o${i}`), obj(`o${i}`, { spec: { big } }), 0);
      await new Promise((r) => setImmediate(r));
    }
    await store.durable();
    // 2,000 writes of ~8 KB each (log + current) would be ~20 MB of WAL without a checkpoint.
    expect(statSync(`${file}-wal`).size).toBeLessThan(8 * 2 ** 20);
    store.close();
  });

  it('commits what is pending when it closes', () => {
    const file = path.join(dir, 'db');
    const store = new Store({ path: file });
    store.put(key('a'), obj('a'), 0);
    store.close();
    const reopened = new Store({ path: file });
    expect(reopened.get(key('a'))?.metadata.resourceVersion).toBe('1');
    reopened.close();
  });

  it('compacts the log to the retention window and keeps revisions across a reopen', () => {
    const file = path.join(dir, 'db');
    const store = new Store({ path: file, retainRevisions: 10 });
    store.put(key('a'), obj('a'), 0);
    for (let rev = 1; rev < 30; rev++) store.put(key('a'), obj('a', { spec: { n: rev } }), rev);
    expect(store.compactedRevision).toBeGreaterThanOrEqual(15);
    expect(store.eventsSince('g/things', 1)).toBeUndefined();
    expect(store.eventsSince('g/things', 25)?.map((e) => e.revision)).toEqual([26, 27, 28, 29, 30]);
    store.close();

    const reopened = new Store({ path: file, retainRevisions: 10 });
    expect(reopened.revision).toBe(30);
    expect(reopened.get(key('a'))?.spec).toEqual({ n: 29 });
    expect(reopened.put(key('b'), obj('b'), 0).metadata.resourceVersion).toBe('31');
    expect(reopened.eventsSince('g/things', 1)).toBeUndefined();
    reopened.close();
  });

  it('keeps the newest revision when everything is deleted and compacted', () => {
    const file = path.join(dir, 'db');
    const store = new Store({ path: file, retainRevisions: 1 });
    store.put(key('a'), obj('a'), 0);
    store.delete(key('a'), 1);
    store.put(key('b'), obj('b'), 0);
    store.delete(key('b'), 3);
    store.compact(0);
    store.close();
    const reopened = new Store({ path: file });
    expect(reopened.revision).toBe(4);
    reopened.close();
  });
});
