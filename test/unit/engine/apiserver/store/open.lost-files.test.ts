import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../../src/engine/kube/types.js';
import { moveAsideCommand, StorageError } from '../../../../../src/engine/apiserver/store/open.js';
import { APP_BACKUP_FILE_NAME } from '../../../../../src/engine/apiserver/store/lost-state.js';
import type { Store } from '../../../../../src/engine/apiserver/store/store.js';
import { storesPerTest } from '../../../../support/store.js';

const stores = storesPerTest('rdd-store-lost.');
let dir: string;
let file: string;
beforeEach(() => {
  file = stores.file();
  dir = path.dirname(file);
});

const open = () => stores.open();
const thing = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Thing', metadata: { name }, ...extra });
const key = (name: string, resource = 'g/things') => ({ resource, namespace: 'ns', name });

/** Names stored in a store file, read by a connection of its own (the file is not the daemon's). */
function namesIn(db: string): string[] {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return conn.prepare<[], { name: string }>("SELECT name FROM current WHERE resource = 'g/things' ORDER BY name").all().map((r) => r.name);
  } finally {
    conn.close();
  }
}

async function refusal(store: Store): Promise<StorageError> {
  const err = await store.durable().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StorageError);
  return err as StorageError;
}

describe('Store: files removed or replaced under it', () => {
  it('the WAL removed: the next commit is refused naming it, health says FileLost, and the WAL is folded into the database', async () => {
    const store = open();
    store.put(key('a'), thing('a'), 0);
    await store.durable();
    rmSync(`${file}-wal`);
    store.put(key('b'), thing('b'), 0);
    const err = await refusal(store);
    expect(err.kind).toBe('lost');
    expect(err.message).toContain(`${file}-wal was removed`);
    expect(store.health.report()).toMatchObject({ healthy: false, problem: { reason: 'FileLost' } });
    // Later writes are refused at once; the one refused before is not in the store.
    expect(() => store.put(key('c'), thing('c'), 0)).toThrow(StorageError);
    expect(store.get(key('b'))).toBeUndefined();
    // Status and Events may still be written: a crash costs them nothing that is not rebuilt.
    const a = store.get(key('a'))!;
    store.put(key('a'), { ...a, status: { seen: true } }, Number(a.metadata.resourceVersion));
    store.put(key('e', '/events'), thing('e'), 0);
    await store.durable();
    expect(() => store.put(key('a'), { ...store.get(key('a'))!, spec: { x: 1 } }, Number(store.get(key('a'))!.metadata.resourceVersion))).toThrow(StorageError);
    expect(() => store.delete(key('a'), Number(store.get(key('a'))!.metadata.resourceVersion))).toThrow(StorageError);
    // A new WAL is in place, and what was acknowledged is in the database file itself.
    expect(existsSync(`${file}-wal`)).toBe(true);
  });

  it('the database and WAL removed: refused, and the store is saved to its path again, clean for the next start', async () => {
    const store = open();
    store.put(key('a'), thing('a'), 0);
    await store.durable();
    rmSync(file);
    rmSync(`${file}-wal`);
    store.put(key('b'), thing('b'), 0);
    const err = await refusal(store);
    expect(err.message).toContain(`${file} was removed`);
    expect(err.message).toContain(`saved to ${file} again`);
    expect(namesIn(file)).toEqual(['a']);
    stores.closeAll();
    // The saved copy opens without a word of lost state.
    const again = open();
    expect(again.get(key('a'))).toBeDefined();
    expect(again.health.report().healthy).toBe(true);
  });

  it('the database replaced by another file: the store is saved beside it, never over it', async () => {
    const store = open();
    store.put(key('a'), thing('a'), 0);
    await store.durable();
    renameSync(file, `${file}.elsewhere`);
    writeFileSync(file, 'not ours');
    store.put(key('b'), thing('b'), 0);
    const err = await refusal(store);
    expect(err.message).toContain(`${file} was replaced`);
    const rescued = readdirSync(dir).find((n) => n.startsWith('rdd.sqlite3.rescued-'));
    expect(rescued).toBeDefined();
    expect(namesIn(path.join(dir, rescued!))).toEqual(['a']);
    expect(err.message).toContain(`mv '${path.join(dir, rescued!)}' '${file}'`);
  });
});

describe('Store: committed state lost before this start', () => {
  it('a database a daemon did not close, without its WAL, is reported as StateLost', () => {
    const store = open();
    store.put(key('a'), thing('a'), 0);
    stores.closeAll();
    // What a crash after the WAL was removed leaves: the database says it is in use, no WAL.
    const conn = new Database(file);
    conn.prepare("UPDATE meta SET value = 1 WHERE key = 'in_use'").run();
    conn.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    const report = open().health.report();
    expect(report).toMatchObject({ healthy: false, problem: { reason: 'StateLost' } });
    expect(report.problem?.message).toContain(`${file}-wal was missing`);
  });

  it('a clean close leaves nothing to report', () => {
    open().put(key('a'), thing('a'), 0);
    stores.closeAll();
    expect(open().health.report().healthy).toBe(true);
  });

  it('a store created anew beside the App backup of an earlier one is reported, unless the old one was moved aside', () => {
    writeFileSync(path.join(dir, APP_BACKUP_FILE_NAME), '{}');
    expect(open().health.report().problem).toMatchObject({ reason: 'StateLost' });
    stores.closeAll();
    execFileSync('sh', ['-c', moveAsideCommand(file)]);
    expect(open().health.report().healthy).toBe(true);
  });
});

describe('moveAsideCommand', () => {
  const all = ['', '-wal', '-shm'];
  // Every non-empty combination of the database, its WAL and its shared-memory file.
  const combos = Array.from({ length: 7 }, (_, i) => all.filter((__, bit) => ((i + 1) >> bit) & 1));

  it.each(combos.map((c) => [c.map((s) => `rdd.sqlite3${s}`).join(' + '), c] as const))('moves every file present: %s', (_, present) => {
    for (const suffix of present) writeFileSync(file + suffix, suffix);
    execFileSync('sh', ['-c', moveAsideCommand(file)]);
    const left = readdirSync(dir).sort();
    expect(left.filter((n) => !n.includes('.damaged-'))).toEqual([]);
    expect(left).toHaveLength(present.length);
    for (const suffix of present) expect(left.some((n) => n.startsWith('rdd.sqlite3.damaged-') && n.endsWith(suffix))).toBe(true);
  });

  it('still moves the rest when a file it names is gone by the time it runs', () => {
    for (const suffix of all) writeFileSync(file + suffix, suffix);
    const command = moveAsideCommand(file);
    rmSync(file);
    execFileSync('sh', ['-c', command]);
    expect(readdirSync(dir).filter((n) => !n.includes('.damaged-'))).toEqual([]);
  });
});
