import { existsSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../src/engine/base/log.js';
import type { Controller } from '../../../src/engine/controllers/controller.js';
import { appBackupFile, createStoreHealthController } from '../../../src/engine/controllers/store-health.js';
import { appInformer, type AppObject } from '../../../src/engine/kube/app.js';
import type { Informer } from '../../../src/engine/kube/informer.js';
import { APP, APP_NAME, apiVersionOf } from '../../../src/engine/kube/resources.js';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver.js';

const WAIT = { timeout: 10_000, interval: 50 };
const SPEC = { running: false, containerEngine: { name: 'containerd' as const }, vm: { cpus: 3 } };

let ts: TestApiServer;
let informer: Informer<AppObject> | undefined;
let controller: Controller | undefined;

async function startController(): Promise<void> {
  informer = appInformer(ts.client, silentLogger);
  await informer.start();
  controller = createStoreHealthController({ client: ts.client, paths: { database: path.join(ts.dir, 'rdd.db') }, log: silentLogger, app: informer, health: ts.server.storeHealth });
  await controller.start();
}

async function stopController(): Promise<void> {
  await controller?.stop();
  await informer?.stop();
  controller = informer = undefined;
}

beforeEach(async () => {
  ts = await startTestApiServer();
});
afterEach(async () => {
  await stopController();
  await ts.stop();
});

describe('fault: store corruption — the App spec survives a store that is moved aside', () => {
  it('keeps a backup of the App spec, restores it into a new store, and forgets it when the App is deleted', async () => {
    await startController();
    const file = appBackupFile({ database: path.join(ts.dir, 'rdd.db') });
    await ts.client.create(APP, { apiVersion: apiVersionOf(APP), kind: APP.kind, metadata: { name: APP_NAME }, spec: SPEC });
    const saved = await vi.waitFor(() => {
      const backup = JSON.parse(readFileSync(file, 'utf8')) as AppObject;
      expect(backup).toMatchObject({ spec: SPEC });
      return backup;
    }, WAIT);

    // The damaged store is moved aside as the start error says; the daemon starts on a new one.
    await stopController();
    await ts.server.close();
    renameSync(path.join(ts.dir, 'rdd.db'), path.join(ts.dir, 'rdd.db.damaged'));
    await ts.restart();
    expect(await ts.client.find(APP, APP_NAME)).toBeUndefined();
    await startController();
    const restored = await ts.client.find<AppObject>(APP, APP_NAME);
    expect(restored?.spec).toEqual(saved.spec);
    expect(restored?.spec).toMatchObject(SPEC);

    await ts.client.delete(APP, APP_NAME);
    await vi.waitFor(() => expect(existsSync(file)).toBe(false), WAIT);
  });
});
