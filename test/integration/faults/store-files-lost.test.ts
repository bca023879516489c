import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../src/engine/base/log.js';
import { instancePaths, type InstancePaths } from '../../../src/engine/base/paths.js';
import { STORE_HEALTHY, type AppObject } from '../../../src/engine/kube/app.js';
import { ApiError, KubeClient } from '../../../src/engine/kube/client.js';
import { EVENT } from '../../../src/engine/kube/events.js';
import { APP, APP_NAME, apiVersionOf } from '../../../src/engine/kube/resources.js';
import type { KubeObject } from '../../../src/engine/kube/types.js';
import { collectStatus, renderStatus } from '../../../src/commands/app/status-report.js';
import { startService } from '../../../src/engine/service/lifecycle.js';
import { stopService } from '../../../src/engine/service/stop.js';
import { useHome } from '../../support/env.js';
import { CONFIGMAP } from '../engine/apiserver/fixtures.js';

/**
 * The real daemon process (`rdd svc start` spawns dist/bundle/main.js: run `npm run build` first),
 * its store files removed under it, then SIGKILLed: nothing acknowledged is lost, writes made
 * after the removal are refused, and the loss that could not be prevented is said loudly.
 */
const WAIT = { timeout: 30_000, interval: 200 };

let home: string;
let paths: InstancePaths;
let client: KubeClient;
let pid: number;
let restoreEnv: (() => void) | undefined;

async function start(): Promise<void> {
  client?.close();
  pid = (await startService(paths, silentLogger, { timeoutMs: 60_000 })).pid;
  client = KubeClient.fromFile(paths.kubeconfig);
}

/** SIGKILL of the test's own daemon, by the PID its start returned; resolves once it is gone. */
async function crash(): Promise<void> {
  process.kill(pid, 'SIGKILL');
  await vi.waitFor(() => expect(() => process.kill(pid, 0)).toThrow(), WAIT);
}

/** 201, or the status of the Status that refused the create, and its message. */
async function createConfigMap(name: string): Promise<{ code: number; message?: string; uid?: string }> {
  try {
    const created = await client.create<KubeObject>(CONFIGMAP, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { k: name } });
    return { code: 201, uid: created.metadata.uid };
  } catch (err) {
    if (err instanceof ApiError) return { code: err.status, message: err.body?.message };
    throw err;
  }
}

const configMaps = async () => (await client.list(CONFIGMAP, { namespace: 'default' })).items.map((o) => `${o.metadata.name}:${o.metadata.uid}`).sort();

async function storeCondition(reason: string) {
  return vi.waitFor(async () => {
    const app = await client.get<AppObject>(APP, APP_NAME);
    const condition = app.status?.conditions?.find((c) => c.type === STORE_HEALTHY);
    expect(condition).toMatchObject({ status: 'False', reason });
    return condition!;
  }, WAIT);
}

async function storeEvent(reason: string): Promise<KubeObject> {
  return vi.waitFor(async () => {
    const events = (await client.list(EVENT, { namespace: 'default' })).items.filter((e) => e.reason === reason);
    expect(events).toHaveLength(1);
    return events[0];
  }, WAIT);
}

describe('fault: store files removed under the running daemon (the real daemon process)', () => {
  beforeAll(() => {
    home = mkdtempSync('/tmp/rdd-store-lost.');
    restoreEnv = useHome(home, path.join(home, 'data'));
  });
  afterAll(() => {
    restoreEnv?.();
    if (home) rmSync(home, { recursive: true, force: true });
  });
  let instance = 0;
  beforeEach(async () => {
    paths = instancePaths(`lost${++instance}`, { platform: 'linux' });
    await start();
    await client.create(APP, { apiVersion: apiVersionOf(APP), kind: APP.kind, metadata: { name: APP_NAME }, spec: { running: false } });
  });
  afterEach(async () => {
    client?.close();
    await stopService(paths, silentLogger, { timeoutMs: 30_000 });
  });

  it.each([
    ['the WAL', (p: InstancePaths) => [`${p.database}-wal`]],
    ['the database and the WAL', (p: InstancePaths) => [p.database, `${p.database}-wal`]],
  ])('%s removed, then a crash: what was acknowledged survives, later writes were refused, and it was said at once', async (_, files) => {
    const a = await createConfigMap('a');
    expect(a.code).toBe(201);
    for (const f of files(paths)) rmSync(f);

    const b = await createConfigMap('b');
    expect(b.code).toBe(503);
    expect(b.message).toContain(`${files(paths)[0]} was removed`);
    expect(await client.request('GET', '/healthz/store')).toMatchObject({ healthy: false, problem: { reason: 'FileLost' } });
    expect((await storeCondition('FileLost')).message).toContain('writes are refused');
    expect((await storeEvent('StoreFileLost')).type).toBe('Warning');
    const report = await collectStatus(paths);
    expect(renderStatus(report)).toMatch(/StoreHealthy\s+False\s+FileLost/);

    await crash();
    await start();
    expect(await configMaps()).toEqual([`a:${a.uid}`]);
    expect(await client.request('GET', '/healthz/store')).toMatchObject({ healthy: true });
  });

  it('the database and WAL removed, then a graceful restart: nothing acknowledged is lost', async () => {
    const a = await createConfigMap('a');
    rmSync(paths.database);
    rmSync(`${paths.database}-wal`);
    expect((await createConfigMap('b')).code).toBe(503);
    await stopService(paths, silentLogger, { timeoutMs: 30_000 });
    await start();
    expect(await configMaps()).toEqual([`a:${a.uid}`]);
  });

  it('a crash, then the WAL removed before the start: the loss is an error on the App and in `rdd status`, not a WARN', async () => {
    // Enough objects that the newest are in the WAL only (the store checkpoints every 250 writes).
    for (let i = 0; i < 5; i++) expect((await createConfigMap(`c${i}`)).code).toBe(201);
    await crash();
    rmSync(`${paths.database}-wal`);
    await start();
    const condition = await storeCondition('StateLost');
    expect(condition.message).toContain(`${paths.database}-wal was missing`);
    expect(await client.request('GET', '/healthz/store')).toMatchObject({ healthy: false, problem: { reason: 'StateLost' } });
    expect(renderStatus(await collectStatus(paths))).toMatch(/StoreHealthy\s+False\s+StateLost/);
    await storeEvent('StoreStateLost');
  });
});
