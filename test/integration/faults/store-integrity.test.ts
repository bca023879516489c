import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crdDir } from '../../../src/engine/base/assets.js';
import { startApiServer } from '../../../src/engine/apiserver/server.js';
import { StoreDamagedError } from '../../../src/engine/apiserver/store/open.js';
import { Store } from '../../../src/engine/apiserver/store/store.js';
import { generateTlsMaterial, generateToken } from '../../../src/engine/service/credentials.js';
import type { KubeObject } from '../../../src/engine/kube/types.js';
import { rawRequest, type RawResponse, type TestApiServer } from '../../support/apiserver.js';

let dir: string;
let file: string;
const tls = generateTlsMaterial();

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rdd-integrity.'));
  file = path.join(dir, 'rdd.sqlite3');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function start() {
  return startApiServer({ port: 0, databasePath: file, crdDir, tls: await tls, token: generateToken() });
}

/** What a start on the damaged store throws; it must name the file and the command that moves it aside. */
async function refusedStart(): Promise<StoreDamagedError> {
  const err = await start().then(
    async (server) => {
      await server.close();
      throw new Error('the API server started on a damaged store');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreDamagedError);
  const damaged = err as StoreDamagedError;
  expect(damaged.file).toBe(file);
  expect(damaged.message).toContain(`the object store ${file} is damaged`);
  expect(damaged.message).toContain(`mv '${file}' '${file}.damaged-`);
  expect(damaged.message).toMatch(/rebuilt from the engine/);
  return damaged;
}

/** The documented way out: run the command the error gives; the next start makes a new store and keeps the damaged one. */
async function recover(err: StoreDamagedError): Promise<void> {
  execFileSync('sh', ['-c', err.suggestion!], { timeout: 10_000 });
  expect(existsSync(file)).toBe(false);
  expect(readdirSync(dir).filter((f) => f.startsWith('rdd.sqlite3.damaged-')).length).toBeGreaterThan(0);
  const server = await start();
  await server.close();
  expect(statSync(file).size).toBeGreaterThan(0);
}

/** A store of some hundred pages, written through the real store, closed cleanly (its WAL checkpointed away). */
function fillStore(count = 400): void {
  const store = new Store({ path: file });
  for (let i = 0; i < count; i++) {
    const obj: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${i}`, annotations: { pad: 'x'.repeat(2000) } } };
    store.put({ resource: '/namespaces', namespace: '', name: `ns-${i}` }, obj, 0);
  }
  store.close();
  expect(existsSync(`${file}-wal`)).toBe(false);
}

function overwrite(offset: number, bytes: Buffer): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}

describe('fault: store corruption is detected, at start and while serving', () => {
  it('a new store starts, and a clean store opens again', async () => {
    const first = await start();
    await first.close();
    const second = await start();
    await second.close();
  });

  it('64 KiB of random bytes in the middle: start refused, naming the file; moving it aside recovers', async () => {
    fillStore();
    const size = statSync(file).size;
    expect(size).toBeGreaterThan(512 * 1024);
    overwrite(Math.floor(size / 2 / 4096) * 4096, randomBytes(64 * 1024));
    const err = await refusedStart();
    expect(err.message).toMatch(/quick_check: /);
    await recover(err);
  });

  it('header garbage: start refused, naming the file', async () => {
    fillStore();
    overwrite(0, Buffer.from('this is not a database header!!!'));
    const err = await refusedStart();
    expect(err.message).toMatch(/not a database/);
    await recover(err);
  });

  it('a zero-length file is damage, not a new store', async () => {
    writeFileSync(file, '');
    const err = await refusedStart();
    expect(err.message).toMatch(/the file is empty/);
    await recover(err);
  });

  it('a WAL without its database is refused, so it is never replayed into a new store', async () => {
    fillStore();
    writeFileSync(`${file}-wal`, randomBytes(8192));
    rmSync(file);
    const err = await refusedStart();
    expect(err.message).toContain(`${file}-wal remains`);
  });

  it('damage found while serving: requests answer 500 StorageReadError naming the store, and /healthz/store says Damaged', async () => {
    // Far larger than SQLite's page cache, so the damaged pages are read from the file again.
    fillStore(8000);
    const tsTls = await tls;
    const token = generateToken();
    const server = await startApiServer({ port: 0, databasePath: file, crdDir, tls: tsTls, token });
    const api = { server, token, tls: tsTls } as TestApiServer;
    try {
      const size = statSync(file).size;
      overwrite(Math.floor(size / 3 / 4096) * 4096, randomBytes(size / 3));
      // Deletes read the object, then write: whichever meets a damaged page first refuses.
      let refused: RawResponse | undefined;
      for (let i = 0; i < 8000 && !refused; i += 7) {
        const res = await rawRequest(api, 'DELETE', `/api/v1/namespaces/ns-${i}`);
        if (res.status >= 500) refused = res;
      }
      expect(refused?.json).toMatchObject({ code: 500, reason: 'StorageReadError', message: expect.stringContaining(`the object store ${file} is damaged`) });
      const health = await rawRequest(api, 'GET', '/healthz/store');
      expect(health.json).toMatchObject({ healthy: false, problem: { reason: 'Damaged' } });
    } finally {
      await server.close();
    }
  });
});
