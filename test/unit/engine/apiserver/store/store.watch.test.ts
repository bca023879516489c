import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_BATCH_WRITES, type StoreEvent } from '../../../../../src/engine/apiserver/store/store.js';
import type { Subscription } from '../../../../../src/engine/apiserver/store/watch-hub.js';
import { deleteThing, nextTurn, putThing, storesPerTest, THINGS, thing, thingKey, uncaughtDuring } from '../../../../support/store.js';

// What watches get from the store (store.hub): every committed write, once,
// in revision order, to each watcher of its resource; never a write that
// did not commit; an end when the store closes. Watchers may write back (a
// controller echoing a status), and the store must neither lose those writes
// nor trip over them.
const stores = storesPerTest('rdd-store-watch.');
let uncaught: ReturnType<typeof uncaughtDuring> | undefined;
afterEach(() => {
  uncaught?.stop();
  uncaught = undefined;
});

const OTHERS = 'g/others';
/** A watcher noting `TYPE ns/name@rev` of each event; `closed` once the store ended it. */
function watcher() {
  const seen: string[] = [];
  const state = { closed: false };
  const sub: Subscription = {
    onEvent: (e: StoreEvent) => seen.push(`${e.type} ${e.namespace}/${e.name}@${e.revision}`),
    onClose: () => (state.closed = true),
  };
  return { seen, sub, state };
}

describe('watchers', () => {
  it('each get every committed write of their resource, watchers of everything get all, none get another resource’s', async () => {
    const store = stores.open();
    const [first, second, everything, others] = [watcher(), watcher(), watcher(), watcher()];
    store.hub.subscribe(THINGS, first.sub);
    store.hub.subscribe(THINGS, second.sub);
    store.hub.subscribe(undefined, everything.sub);
    store.hub.subscribe(OTHERS, others.sub);
    putThing(store, 'a', 'x', 1);
    putThing(store, 'a', 'y', 1, OTHERS);
    deleteThing(store, 'a', 'x');
    await store.durable();
    expect(first.seen).toEqual(['ADDED a/x@1', 'DELETED a/x@3']);
    expect(second.seen).toEqual(first.seen);
    expect(everything.seen).toEqual(['ADDED a/x@1', 'ADDED a/y@2', 'DELETED a/x@3']);
    expect(others.seen).toEqual(['ADDED a/y@2']);
  });

  it('get nothing more once they unsubscribe, while the others still do', async () => {
    const store = stores.open();
    const [leaving, staying, leavingAll] = [watcher(), watcher(), watcher()];
    const off = store.hub.subscribe(THINGS, leaving.sub);
    store.hub.subscribe(THINGS, staying.sub);
    const offAll = store.hub.subscribe(undefined, leavingAll.sub);
    putThing(store, 'a', 'x', 1);
    await store.durable();
    off();
    offAll();
    putThing(store, 'a', 'y', 1);
    await store.durable();
    expect(leaving.seen).toEqual(['ADDED a/x@1']);
    expect(leavingAll.seen).toEqual(['ADDED a/x@1']);
    expect(staying.seen).toEqual(['ADDED a/x@1', 'ADDED a/y@2']);
  });

  it('are counted while subscribed, to one resource or to all, and not after', () => {
    const store = stores.open();
    const offs = [store.hub.subscribe(THINGS, watcher().sub), store.hub.subscribe(OTHERS, watcher().sub), store.hub.subscribe(undefined, watcher().sub)];
    expect(store.hub.size).toBe(3);
    offs[2]();
    expect(store.hub.size).toBe(2);
    offs[0]();
    offs[0]();
    expect(store.hub.size).toBe(1);
    stores.close(store);
    expect(store.hub.size).toBe(0);
  });

  it('are ended when the store closes, and what was written before is published first', () => {
    const store = stores.open();
    const [one, all] = [watcher(), watcher()];
    store.hub.subscribe(THINGS, one.sub);
    store.hub.subscribe(undefined, all.sub);
    putThing(store, 'a', 'x', 1);
    stores.close(store);
    expect(one.seen).toEqual(['ADDED a/x@1']);
    expect([one.state.closed, all.state.closed]).toEqual([true, true]);
  });

  it('of a long burst in one turn hear of it every MAX_BATCH_WRITES writes, as each part commits', () => {
    const store = stores.open();
    const w = watcher();
    store.hub.subscribe(THINGS, w.sub);
    for (let i = 1; i < MAX_BATCH_WRITES; i++) putThing(store, 'a', `o${i}`, 1);
    expect(w.seen).toEqual([]);
    putThing(store, 'a', `o${MAX_BATCH_WRITES}`, 1);
    expect(w.seen).toHaveLength(MAX_BATCH_WRITES);
    expect(w.seen.at(-1)).toBe(`ADDED a/o${MAX_BATCH_WRITES}@${MAX_BATCH_WRITES}`);
  });

  it('may write back on each event: none of their writes is lost, and the WAL checkpoints meanwhile do not fail', async () => {
    uncaught = uncaughtDuring();
    const store = stores.open();
    // A controller's status echo: each new thing gets a record in another resource.
    store.hub.subscribe(THINGS, {
      onEvent: (e) => {
        if (e.type === 'ADDED') store.put(thingKey(e.namespace, e.name, OTHERS), thing(e.namespace, e.name, e.revision), 0);
      },
      onClose: () => undefined,
    });
    // Enough writes to schedule a checkpoint, and a remainder whose batch that checkpoint commits first: its echoes
    // then open a batch the checkpoint must not run inside.
    const burst = MAX_BATCH_WRITES + 44;
    for (let i = 0; i < burst; i++) putThing(store, 'a', `o${i}`, 1);
    await vi.waitFor(async () => {
      await store.durable();
      expect(store.list(OTHERS).items).toHaveLength(burst);
    });
    await nextTurn();
    expect(uncaught.errors).toEqual([]);
    stores.close(store);
    const reopened = stores.open();
    expect([reopened.list(THINGS).items.length, reopened.list(OTHERS).items.length]).toEqual([burst, burst]);
  });

  it('do not outlive a close right after a burst: the checkpoint it scheduled finds the store closed and does nothing', async () => {
    uncaught = uncaughtDuring();
    const store = stores.open();
    for (let i = 0; i < MAX_BATCH_WRITES; i++) putThing(store, 'a', `o${i}`, 1);
    await store.durable();
    stores.close(store);
    await nextTurn();
    expect(uncaught.errors).toEqual([]);
    expect(stores.open().list(THINGS).items).toHaveLength(MAX_BATCH_WRITES);
  });
});

describe('a watch resumed from a revision', () => {
  it('replays each later write with the state it replaced, and none for a creation', () => {
    const store = stores.open();
    putThing(store, 'a', 'x', 1);
    const from = store.revision;
    putThing(store, 'a', 'x', 2);
    putThing(store, 'a', 'y', 1);
    deleteThing(store, 'a', 'x');
    const replay = store.eventsSince(THINGS, from)?.map((e) => [e.type, e.name, e.revision, e.previous?.spec ?? e.previous]);
    expect(replay).toEqual([
      ['MODIFIED', 'x', 2, { v: 1 }],
      ['ADDED', 'y', 3, undefined],
      ['DELETED', 'x', 4, { v: 2 }],
    ]);
  });
});
