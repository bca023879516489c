/**
 * Real stores (SQLite files) in a temporary directory of each test's own, for
 * the store's unit tests: objects keyed by namespace and name in one
 * resource, written as an API handler writes them (expecting the revision it
 * read), and stores closed and removed after the test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { KubeObject } from '../../src/engine/kube/types.js';
import { revisionOf, Store, type ObjectKey, type SnapshotRow, type StoreOptions } from '../../src/engine/apiserver/store/store.js';

export const THINGS = 'g/things';

export const thingKey = (namespace: string, name: string, resource = THINGS): ObjectKey => ({ resource, namespace, name });

export const thing = (namespace: string, name: string, v: number): KubeObject => ({ apiVersion: 'v1', kind: 'Thing', metadata: { name, namespace }, spec: { v } });

/** Creates or updates `namespace/name` with spec.v = `v`, expecting the revision it has now (or `expected`). */
export function putThing(store: Store, namespace: string, name: string, v: number, resource = THINGS, expected?: number): KubeObject {
  const key = thingKey(namespace, name, resource);
  return store.put(key, thing(namespace, name, v), expected ?? revisionOf(store.get(key)));
}

export function deleteThing(store: Store, namespace: string, name: string, resource = THINGS): KubeObject {
  const key = thingKey(namespace, name, resource);
  return store.delete(key, revisionOf(store.get(key)));
}

/** `namespace/name:v` of each row, in the order given. */
export const rowsOf = (rows: SnapshotRow[] | undefined): string[] | undefined =>
  rows?.map((r) => `${r.namespace}/${r.name}:${String((JSON.parse(r.value) as KubeObject).spec?.v)}`);

/** Opens stores at `file()` in a fresh directory per test; those still open at the end of the test are closed. */
export function storesPerTest(prefix: string) {
  let dir = '';
  const open = new Set<Store>();
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), prefix));
  });
  const closeAll = () => {
    for (const store of open) store.close();
    open.clear();
  };
  afterEach(async () => {
    closeAll();
    await rm(dir, { recursive: true, force: true });
  });
  const file = () => path.join(dir, 'rdd.sqlite3');
  return {
    file,
    /** Closes every store this test opened (as a daemon stopping would). */
    closeAll,
    open(opts: Omit<StoreOptions, 'path'> = {}): Store {
      const store = new Store({ path: file(), ...opts });
      open.add(store);
      return store;
    },
    close(store: Store): void {
      open.delete(store);
      store.close();
    },
  };
}

/** The next event-loop turn: the end-of-turn commit (and anything it scheduled with setImmediate) has run by then. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Collects the exceptions nothing caught (a throw in a timer or setImmediate callback) while a test runs. */
export function uncaughtDuring(): { errors: unknown[]; stop(): void } {
  const errors: unknown[] = [];
  const note = (err: unknown) => errors.push(err);
  process.on('uncaughtExceptionMonitor', note);
  return { errors, stop: () => process.off('uncaughtExceptionMonitor', note) };
}
