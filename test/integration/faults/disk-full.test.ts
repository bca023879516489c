import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { crdDir } from '../../../src/engine/base/assets.js';
import { instancePaths, type InstancePaths } from '../../../src/engine/base/paths.js';
import { startApiServer } from '../../../src/engine/apiserver/server.js';
import type { StoreHealthReport } from '../../../src/engine/apiserver/store/health.js';
import type { ApiServer } from '../../../src/engine/apiserver/types.js';
import { openDaemonLog, type DaemonLog } from '../../../src/engine/daemon/daemon-log.js';
import { buildKubeconfig, generateTlsMaterial, generateToken } from '../../../src/engine/service/credentials.js';
import { acquirePidFile } from '../../../src/engine/service/pidfile.js';
import { writePrivateFile } from '../../../src/engine/service/private-file.js';
import type { TlsMaterial } from '../../../src/engine/kube/tls.js';
import { silentLogger } from '../../../src/engine/base/log.js';
import type { Controller } from '../../../src/engine/controllers/controller.js';
import { createStoreHealthController } from '../../../src/engine/controllers/store-health.js';
import { appInformer, STORE_HEALTHY, type AppObject } from '../../../src/engine/kube/app.js';
import { KubeClient } from '../../../src/engine/kube/client.js';
import type { Informer } from '../../../src/engine/kube/informer.js';
import { APP, APP_NAME, apiVersionOf } from '../../../src/engine/kube/resources.js';
import type { Condition } from '../../../src/engine/kube/types.js';
import { rawRequest, type RawResponse, type TestApiServer } from '../../support/apiserver.js';
import { fillDisk, mountTmpfs, unmountTmpfs } from '../../support/tmpfs.js';

/** The service dir lives on a tmpfs this small; the writes below fill it within a few seconds. */
const TMPFS_SIZE = '20m';
/** Far more than 20 MB of 200 KB namespaces: the loop ends by filling the disk, not by running out of tries. */
const MAX_WRITES = 400;
const PAD = 'x'.repeat(200 * 1024);

let mountPoint: string;
let kubeconfigDir: string | undefined;
let paths: InstancePaths;
let daemonLog: DaemonLog;
let server: ApiServer;
let api: TestApiServer;
let tls: TlsMaterial;
let written = 0;
let client: KubeClient;
let informer: Informer<AppObject>;
let storeHealth: Controller;
const WAIT = { timeout: 20_000, interval: 100 };

async function storeHealthy(): Promise<Condition | undefined> {
  const app = await client.get<AppObject>(APP, APP_NAME);
  return app.status?.conditions?.find((c) => c.type === STORE_HEALTHY);
}

function createNamespace(name: string): Promise<RawResponse> {
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, annotations: { pad: PAD } } });
  return rawRequest(api, 'POST', '/api/v1/namespaces', { body, headers: { 'Content-Type': 'application/json' } });
}

describe('fault: a full disk does not kill the daemon', () => {
  beforeAll(async () => {
    mountPoint = mountTmpfs('rdd-diskfull.', TMPFS_SIZE);
    paths = instancePaths('diskfull', { env: { XDG_DATA_HOME: mountPoint }, home: mountPoint, platform: 'linux' });
    mkdirSync(paths.dir, { recursive: true });
    // What the "user" frees later: files unrelated to rdd taking room on the same disk.
    writeFileSync(path.join(mountPoint, 'ballast'), Buffer.alloc(4 * 1024 * 1024));
    daemonLog = openDaemonLog(paths, { level: 'info', format: 'text', echo: false });
    tls = await generateTlsMaterial();
    const token = generateToken();
    server = await startApiServer({ port: 0, databasePath: paths.database, crdDir, tls, token, log: daemonLog.log });
    api = { server, token, tls } as TestApiServer;
    // The client's kubeconfig lives off the tmpfs: it is the test's, not the daemon's.
    kubeconfigDir = mkdtempSync(path.join(tmpdir(), 'rdd-diskfull-kube.'));
    const kubeconfig = path.join(kubeconfigDir, 'kubeconfig');
    writeFileSync(kubeconfig, buildKubeconfig({ server: server.url, caCert: tls.caCert, token, name: 'rdd-test' }));
    client = KubeClient.fromFile(kubeconfig);
    await client.create(APP, { apiVersion: apiVersionOf(APP), kind: APP.kind, metadata: { name: APP_NAME }, spec: { running: false } });
    informer = appInformer(client, silentLogger);
    await informer.start();
    storeHealth = createStoreHealthController({ client, paths, log: daemonLog.log, app: informer, health: server.storeHealth });
    await storeHealth.start();
    await vi.waitFor(async () => expect(await storeHealthy()).toMatchObject({ status: 'True', reason: 'Healthy' }), WAIT);
  });
  afterAll(async () => {
    await storeHealth?.stop();
    await informer?.stop();
    if (kubeconfigDir) rmSync(kubeconfigDir, { recursive: true, force: true });
    await server?.close();
    daemonLog?.close();
    if (mountPoint) await unmountTmpfs(mountPoint);
  });

  it('writes that find no space answer 507 InsufficientStorage naming the store, never a dropped connection', async () => {
    let full: RawResponse | undefined;
    for (let i = 0; i < MAX_WRITES && !full; i++) {
      const res = await createNamespace(`fill-${i}`);
      if (res.status === 201) written++;
      else full = res;
    }
    expect(written).toBeGreaterThan(0);
    expect(full?.status).toBe(507);
    expect(full?.json).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      code: 507,
      reason: 'InsufficientStorage',
      message: expect.stringContaining(`no space left for the object store ${paths.database}`),
    });
  });

  it('with the disk completely full: writes answer 507, reads work, logging and the pidfile fail without leftovers', async () => {
    const filler = path.join(paths.dir, 'filler');
    fillDisk(filler);
    try {
      const refused = await createNamespace('while-full');
      expect(refused.status).toBe(507);
      const list = await rawRequest(api, 'GET', '/api/v1/namespaces');
      expect(list.status).toBe(200);
      expect((list.json as { items: unknown[] }).items.length).toBeGreaterThanOrEqual(written);

      // More than the one page tmpfs may still have half-empty at the end of the log file.
      for (let i = 0; i < 100; i++) daemonLog.log.error(`line ${i} the full disk cannot take`, { pad: 'y'.repeat(80) });
      expect(() => acquirePidFile(paths, process.pid)).toThrow(/cannot write the pidfile draft .*: no space left on the device \(ENOSPC\)/);
      expect(() => writePrivateFile(paths.config, JSON.stringify({ port: 1, pad: PAD }))).toThrow(/ENOSPC/);
      expect(readdirSync(paths.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      // Small writes (the controller's condition) may still fit where a refused big one left room in the
      // WAL, and each one that lands ends the problem: it is either going on or the last one that ended.
      const health = await client.request<StoreHealthReport>('GET', '/healthz/store');
      const seen = health.problem ?? health.lastProblem;
      expect(seen).toMatchObject({ reason: 'DiskFull', message: expect.stringContaining(paths.database) });
      expect(seen!.refused).toBeGreaterThanOrEqual(1);
    } finally {
      rmSync(filler);
    }
  });

  it('recovers by itself once space is freed, and the log says how many lines it lost', async () => {
    rmSync(path.join(mountPoint, 'ballast'));
    const res = await createNamespace('after-space-is-back');
    expect(res.status).toBe(201);
    daemonLog.log.info('space is back');
    const text = readFileSync(daemonLog.file, 'utf8');
    const lines = text.split('\n');
    const notice = lines.findIndex((l) => /WARN {2}\d+ log line\(s\) dropped: the log could not be written \(ENOSPC\)/.test(l));
    expect(notice).toBeGreaterThan(-1);
    expect(lines.slice(notice + 1).some((l) => l.includes('space is back'))).toBe(true);
    const lock = acquirePidFile(paths, process.pid);
    lock.release();
    const recovered = await vi.waitFor(async () => {
      const condition = await storeHealthy();
      expect(condition).toMatchObject({ status: 'True', reason: 'Recovered' });
      return condition!;
    }, WAIT);
    expect(recovered.message).toMatch(/request\(s\) were refused \(DiskFull\): no space left for the object store/);
  });
});
