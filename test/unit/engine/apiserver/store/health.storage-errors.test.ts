import { describe, expect, it } from 'vitest';
import { toStatusError } from '../../../../../src/engine/apiserver/endpoints/errors.js';
import { StoreHealth } from '../../../../../src/engine/apiserver/store/health.js';
import { asStorageError, StorageError } from '../../../../../src/engine/apiserver/store/open.js';

const FILE = '/data/rdd.sqlite3';
/** What better-sqlite3 throws: an Error with SQLite's extended result code. */
const sqlite = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('storage errors as Status', () => {
  it('no space is 507 InsufficientStorage naming the store', () => {
    const { error, internal } = toStatusError(asStorageError(sqlite('SQLITE_FULL', 'database or disk is full'), FILE));
    expect(error.toStatus()).toMatchObject({ code: 507, reason: 'InsufficientStorage', message: expect.stringContaining(`object store ${FILE}`) });
    expect(internal).toBe(true);
  });

  it('damage is 500 StorageReadError naming the store and what to do', () => {
    const { error } = toStatusError(asStorageError(sqlite('SQLITE_CORRUPT', 'database disk image is malformed'), FILE));
    expect(error.toStatus()).toMatchObject({ code: 500, reason: 'StorageReadError' });
    expect(error.message).toMatch(/object store \/data\/rdd\.sqlite3 is damaged \(database disk image is malformed\); restart the daemon/);
  });

  it('damage met by a read, which the store does not wrap, still says what it is', () => {
    const { error } = toStatusError(sqlite('SQLITE_CORRUPT_INDEX', 'database disk image is malformed'));
    expect(error.toStatus()).toMatchObject({ code: 500, reason: 'StorageReadError', message: expect.stringMatching(/^the object store is damaged/) });
  });

  it('anything else stays a plain 500 InternalError', () => {
    expect(asStorageError(sqlite('SQLITE_CONSTRAINT', 'x'), FILE)).not.toBeInstanceOf(StorageError);
    expect(toStatusError(new Error('boom')).error.toStatus()).toMatchObject({ code: 500, reason: 'InternalError' });
  });
});

describe('StoreHealth', () => {
  const full = () => new StorageError('full', FILE, new Error('database or disk is full'));

  it('a full disk lasts until a write succeeds, which records it as the last problem', () => {
    const health = new StoreHealth();
    expect(health.report()).toEqual({ healthy: true });
    health.failed(full());
    health.failed(full());
    expect(health.report()).toMatchObject({ healthy: false, problem: { reason: 'DiskFull', refused: 2 } });
    health.writeSucceeded();
    const report = health.report();
    expect(report).toMatchObject({ healthy: true, lastProblem: { reason: 'DiskFull', refused: 2 } });
    expect(report.lastProblem?.until).toBeDefined();
  });

  it('damage outlasts successful writes and a later full disk', () => {
    const health = new StoreHealth();
    health.failed(new StorageError('damaged', FILE, new Error('database disk image is malformed')));
    health.writeSucceeded();
    health.failed(full());
    expect(health.report()).toMatchObject({ healthy: false, problem: { reason: 'Damaged', refused: 2 } });
  });
});
