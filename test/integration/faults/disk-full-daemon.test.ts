import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../src/engine/base/log.js';
import { instancePaths, type InstancePaths } from '../../../src/engine/base/paths.js';
import { STORE_HEALTHY, type AppObject } from '../../../src/engine/kube/app.js';
import { ApiError, KubeClient } from '../../../src/engine/kube/client.js';
import { APP, APP_NAME, apiVersionOf, NAMESPACE } from '../../../src/engine/kube/resources.js';
import { startService } from '../../../src/engine/service/lifecycle.js';
import { isRecordedProcessAlive, readPidRecord } from '../../../src/engine/service/pidfile.js';
import { stopService } from '../../../src/engine/service/stop.js';
import { fillDisk, mountTmpfs, unmountTmpfs } from '../../support/tmpfs.js';
import { useHome } from '../../support/env.js';

/**
 * The whole daemon, as `rdd svc start` runs it (spawns dist/bundle/main.js: run `npm run build` first),
 * with its service dir on a 20 MB tmpfs that fills up.
 */
const MAX_WRITES = 400;
const PAD = 'x'.repeat(200 * 1024);
const WAIT = { timeout: 30_000, interval: 200 };

let mountPoint: string;
let paths: InstancePaths;
let client: KubeClient;
let pid: number;
let restoreEnv: (() => void) | undefined;

/** Status code of a namespace create: 201, or the code of the Status that refused it. */
async function createNamespace(name: string): Promise<number> {
  try {
    await client.create(NAMESPACE, { apiVersion: 'v1', kind: 'Namespace', metadata: { name, annotations: { pad: PAD } } });
    return 201;
  } catch (err) {
    if (err instanceof ApiError) return err.status;
    throw err;
  }
}

function daemonAlive(): boolean {
  const record = readPidRecord(paths.pidFile);
  return record?.pid === pid && isRecordedProcessAlive(record);
}

describe('fault: a full disk does not kill the daemon (the real daemon process)', () => {
  beforeAll(async () => {
    mountPoint = mountTmpfs('rdd-diskfull-daemon.', '20m');
    restoreEnv = useHome(mountPoint, path.join(mountPoint, 'data'));
    paths = instancePaths('diskfull', { platform: 'linux' });
    const started = await startService(paths, silentLogger, { timeoutMs: 60_000 });
    pid = started.pid;
    client = KubeClient.fromFile(paths.kubeconfig);
    await client.create(APP, { apiVersion: apiVersionOf(APP), kind: APP.kind, metadata: { name: APP_NAME }, spec: { running: false } });
  });
  afterAll(async () => {
    client?.close();
    if (paths) await stopService(paths, silentLogger, { timeoutMs: 30_000 });
    restoreEnv?.();
    if (mountPoint) await unmountTmpfs(mountPoint);
  });

  it('answers 507 while full, stays alive, and recovers with StoreHealthy=True/Recovered once space is freed', async () => {
    // What the "user" frees later.
    const ballast = path.join(mountPoint, 'ballast');
    writeFileSync(ballast, Buffer.alloc(4 * 1024 * 1024));
    const codes = new Set<number>();
    for (let i = 0; i < MAX_WRITES && !codes.has(507); i++) codes.add(await createNamespace(`fill-${i}`));
    expect([...codes].sort()).toEqual([201, 507]);

    // The rest of the disk, to the last page: the log and every other file the daemon writes fail now.
    const filler = path.join(mountPoint, 'filler');
    fillDisk(filler);
    for (let i = 0; i < 20; i++) expect(await createNamespace(`while-full-${i}`)).toBe(507);
    expect(daemonAlive()).toBe(true);

    rmSync(filler);
    rmSync(ballast);
    expect(await createNamespace('after')).toBe(201);
    const recovered = await vi.waitFor(async () => {
      const app = await client.get<AppObject>(APP, APP_NAME);
      const condition = app.status?.conditions?.find((c) => c.type === STORE_HEALTHY);
      expect(condition).toMatchObject({ status: 'True', reason: 'Recovered' });
      return condition!;
    }, WAIT);
    expect(recovered.message).toMatch(/\(DiskFull\): no space left for the object store/);
    expect(daemonAlive()).toBe(true);
    expect(readdirSync(paths.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // The notice comes with the next line the daemon logs; stopping it logs some.
    await stopService(paths, silentLogger, { timeoutMs: 30_000 });
    expect(readFileSync(path.join(paths.logDir, 'rdd.log'), 'utf8')).toMatch(/WARN {2}\d+ log line\(s\) dropped: the log could not be written \(ENOSPC\)/);
  });
});
