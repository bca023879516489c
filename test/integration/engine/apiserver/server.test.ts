import { readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../../../support/apiserver.js';
import { rejectionOf } from '../../../support/rejection.js';
import { CONFIGMAP } from './fixtures.js';


/** The files this process has open (Linux). */
const openFiles = (): string[] =>
  readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return []; // closed meanwhile (the listing's own fd)
    }
  });

let ts: TestApiServer;

beforeAll(async () => {
  ts = await startTestApiServer();
});
afterAll(async () => {
  await ts?.stop();
});

describe('API server start-up', () => {
  it('a step that fails after the namespace lifecycle started is named, and leaves nothing running', async () => {
    const database = path.join(ts.dir, 'rdd.db');
    // In-process, so no client socket outlives the first server.
    await ts.server.localClient().create(CONFIGMAP, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'garbled', namespace: 'default' } });
    let running: string[] = [];
    const failed = await rejectionOf(
      ts.restart(async () => {
        // A stored object that is not JSON: the namespace lifecycle starts (it reads namespaces only);
        // the garbage collector, which reads every object, fails.
        const db = new Database(database);
        expect(db.prepare("UPDATE log SET value = '{garbled' WHERE name = 'garbled'").run().changes).toBeGreaterThan(0);
        db.close();
        running = process.getActiveResourcesInfo();
      }),
      Error,
    );
    expect(failed.message).toBe('API server: could not start the garbage collector');
    expect(failed.cause).toBeInstanceOf(SyntaxError);
    // The store is closed and no loop, timer or socket of the failed start keeps the process alive.
    expect(openFiles().filter((f) => f.startsWith(database))).toEqual([]);
    expect(process.getActiveResourcesInfo()).toEqual(running);
  });
});
