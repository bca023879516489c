import { renameSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StorageError } from '../../../../../src/engine/apiserver/store/open.js';
import { FILE_CHECK_MS, RevisionMismatch } from '../../../../../src/engine/apiserver/store/store.js';
import { putThing, storesPerTest, thingKey } from '../../../../support/store.js';

// Writes check the store's files before each commit; an idle store checks
// them every FILE_CHECK_MS, so that /healthz/store and the App's
// StoreHealthy condition say a file was lost before the next write finds
// out. Only that timer is faked: the commits at the end of each turn run as
// they do in the daemon.
const stores = storesPerTest('rdd-store-idle.');
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('an idle store', () => {
  it('whose files are in place stays healthy and writable through its checks', async () => {
    const store = stores.open();
    putThing(store, 'a', 'x', 1);
    await store.durable();
    vi.advanceTimersByTime(FILE_CHECK_MS);
    vi.advanceTimersByTime(FILE_CHECK_MS);
    expect(store.health.report()).toEqual({ healthy: true });
    putThing(store, 'a', 'y', 1);
    await store.durable();
    expect(store.list('g/things').items).toHaveLength(2);
  });

  it('notices its WAL moved away without a write, then counts each refused write once, and nothing while idle', async () => {
    const store = stores.open();
    putThing(store, 'a', 'x', 1);
    await store.durable();
    // Moved away rather than deleted: the old WAL keeps its inode, so the WAL the rescue starts cannot get the same
    // number and pass for the lost one (the check compares device and inode).
    renameSync(`${stores.file()}-wal`, `${stores.file()}-wal.moved`);
    vi.advanceTimersByTime(FILE_CHECK_MS);
    expect(store.health.report()).toMatchObject({ healthy: false, problem: { reason: 'FileLost', refused: 1 } });
    expect(store.health.report().problem?.message).toContain(`${stores.file()}-wal was removed`);

    expect(() => putThing(store, 'a', 'y', 1)).toThrow(StorageError);
    expect(store.health.report().problem?.refused).toBe(2);
    // A conflict is the caller's: not a refusal for the lost file.
    expect(() => putThing(store, 'a', 'x', 2, undefined, 0)).toThrow(RevisionMismatch);
    expect(store.health.report().problem?.refused).toBe(2);
    // Later checks find the loss already handled: no second rescue, no count.
    vi.advanceTimersByTime(FILE_CHECK_MS);
    vi.advanceTimersByTime(FILE_CHECK_MS);
    expect(store.health.report().problem?.refused).toBe(2);
    expect(store.get(thingKey('a', 'y'))).toBeUndefined();
  });
});
