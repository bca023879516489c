import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../../src/engine/apiserver/store/open.js';
import { Store, type StoreEvent } from '../../../src/engine/apiserver/store/store.js';
import { rejectionOf } from '../../support/rejection.js';
import { nextTurn, putThing, thing, thingKey, uncaughtDuring } from '../../support/store.js';
import { fillDisk, mountTmpfs, unmountTmpfs } from '../../support/tmpfs.js';

// The store itself (no API server, no daemon) on a disk that fills up for
// real (a small tmpfs): what a commit that finds no room does to the writers
// waiting on it, to watchers, to /healthz/store, and to the writes after the
// space is back. disk-full.test.ts proves the API's answers (507) on top.
let mountPoint: string;
let store: Store;
let uncaught: ReturnType<typeof uncaughtDuring>;
beforeEach(() => {
  mountPoint = mountTmpfs('rdd-store-full.', '8m');
  uncaught = uncaughtDuring();
  store = new Store({ path: path.join(mountPoint, 'rdd.sqlite3') });
});
afterEach(async () => {
  uncaught.stop();
  store.close();
  await unmountTmpfs(mountPoint);
});

const filler = () => path.join(mountPoint, 'filler');

describe('fault: the store’s disk fills up', () => {
  it('a commit that finds no room fails all its writes and publishes none; once space is freed, writes commit again', async () => {
    putThing(store, 'a', 'x', 1);
    await store.durable();
    const published: string[] = [];
    store.hub.subscribe(undefined, { onEvent: (e: StoreEvent) => published.push(e.name), onClose: () => undefined });
    fillDisk(filler());

    putThing(store, 'a', 'y', 1);
    putThing(store, 'a', 'z', 1);
    const err = await rejectionOf(store.durable(), StorageError);
    expect(err.kind).toBe('full');
    expect([store.get(thingKey('a', 'y')), store.get(thingKey('a', 'z'))]).toEqual([undefined, undefined]);
    expect(store.health.report()).toMatchObject({ healthy: false, problem: { reason: 'DiskFull' } });

    rmSync(filler());
    putThing(store, 'a', 'w', 1);
    await store.durable();
    await nextTurn();
    expect(published).toEqual(['w']);
    expect(store.list('g/things').items.map((o) => o.metadata.name)).toEqual(['w', 'x']);
    expect(store.health.report()).toMatchObject({ healthy: true, lastProblem: { reason: 'DiskFull' } });
    expect(uncaught.errors).toEqual([]);
  });

  it('a WAL checkpoint that finds no room waits for the next one: writes that fit in the WAL still commit, and nothing is lost', async () => {
    const data = 'x'.repeat(3000);
    const putBig = (name: string) => store.put(thingKey('a', name), { ...thing('a', name, 1), data }, 0);
    // A WAL of ~1.7 MB, checkpointed: the next writes reuse its room, but the database file must grow to take them.
    for (let i = 0; i < 400; i++) putBig(`o${i}`);
    await store.durable();
    await nextTurn();
    fillDisk(filler());
    for (let i = 0; i < 260; i++) putBig(`p${i}`);
    await store.durable();
    // The checkpoint those writes scheduled has failed for space by now.
    await nextTurn();
    expect(store.health.report()).toEqual({ healthy: true });
    expect(store.list('g/things').items).toHaveLength(660);
    expect(uncaught.errors).toEqual([]);

    rmSync(filler());
    store.close();
    store = new Store({ path: path.join(mountPoint, 'rdd.sqlite3') });
    expect(store.list('g/things').items).toHaveLength(660);
  });

  it('the database removed while the disk is full: writes are refused, saying the store could not be saved either', async () => {
    putThing(store, 'a', 'x', 1);
    await store.durable();
    fillDisk(filler());
    // SQLite keeps the removed file open: its room is not freed, and a copy finds none.
    rmSync(path.join(mountPoint, 'rdd.sqlite3'));
    putThing(store, 'a', 'y', 1);
    const err = await rejectionOf(store.durable(), StorageError);
    expect(err.kind).toBe('lost');
    expect(err.message).toMatch(/rdd\.sqlite3 was removed; saving the store elsewhere failed too \(.+\): what it holds is lost when the daemon stops/);
    expect(store.health.report()).toMatchObject({ healthy: false, problem: { reason: 'FileLost' } });
  });
});
