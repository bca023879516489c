import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../src/engine/base/log.js';
import { instancePaths, type InstancePaths } from '../../../src/engine/base/paths.js';
import { settleAll } from '../../../src/engine/controllers/mirror/concurrency.js';
import { volumeMirrorName } from '../../../src/engine/controllers/mirror/naming.js';
import { applyAppSpec } from '../../../src/commands/app/apply-spec.js';
import type { AppObject } from '../../../src/engine/kube/app.js';
import { KubeClient } from '../../../src/engine/kube/client.js';
import { findCondition } from '../../../src/engine/kube/conditions.js';
import { APP, APP_NAME, CONTAINER, VOLUME } from '../../../src/engine/kube/resources.js';
import { startService } from '../../../src/engine/service/lifecycle.js';
import { daemonLogFile } from '../../../src/engine/service/log-file.js';
import { readPidRecord } from '../../../src/engine/service/pidfile.js';
import { stopService } from '../../../src/engine/service/stop.js';
import { NativeDriver } from '../../../src/engine/vm/native/native-driver.js';
import { useHome } from '../../support/env.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';

/**
 * The real daemon process (`rdd svc start` spawns dist/bundle/main.js: run `npm run build` first),
 * SIGKILLed in the middle of the full sync that follows changes made while it was down.
 */
const NS = 'rancher-desktop';
const OBJECTS = 300;
const KILLS = 3;
const WAIT = { timeout: 180_000, interval: 200 };

let home: string;
let paths: InstancePaths;
let registry: TestRegistry;
let docker: Docker;
let client: KubeClient | undefined;
let restoreEnv: (() => void) | undefined;

async function startDaemon(): Promise<KubeClient> {
  client?.close();
  try {
    await startService(paths, silentLogger, { timeoutMs: 90_000 });
  } catch (err) {
    // The daemon's own account is the only clue to a start that hangs; the test's HOME is gone afterwards.
    const log = existsSync(daemonLogFile(paths)) ? readFileSync(daemonLogFile(paths), 'utf8').split('\n').slice(-60).join('\n') : '(no log)';
    throw new Error(`${(err as Error).message}\nlast lines of ${daemonLogFile(paths)}:\n${log}`, { cause: err });
  }
  client = KubeClient.fromFile(paths.kubeconfig);
  return client;
}

function killDaemon(): void {
  const record = readPidRecord(paths.pidFile);
  if (record) process.kill(record.pid, 'SIGKILL');
}

async function connected(c: KubeClient): Promise<void> {
  await vi.waitFor(async () => {
    const app = await c.get<AppObject>(APP, APP_NAME);
    expect(findCondition(app.status?.conditions, 'ContainerEngineReady')).toMatchObject({ status: 'True', reason: 'Connected' });
  }, WAIT);
}

const names = async (c: KubeClient, ref: typeof CONTAINER) => (await c.list(ref, { namespace: NS })).items.map((o) => o.metadata.name!).sort();
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('fault: daemon SIGKILL mid-full-sync', () => {
  beforeAll(async () => {
    home = mkdtempSync('/tmp/rdd-daemon-kill.');
    restoreEnv = useHome(home, path.join(home, 'data'));
    paths = instancePaths('dkill', { platform: 'linux' });
    registry = await startRegistry();
    const c = await startDaemon();
    writeFileSync(paths.daemonJson, JSON.stringify({ 'registry-mirrors': [registry.url] }));
    await applyAppSpec(c, { running: true }, { dryRun: false });
    await connected(c);
    docker = new Docker({ socketPath: paths.dockerSocket });
    await new Promise<void>((resolve, reject) =>
      docker.pull('busybox', (err: Error | null, stream: NodeJS.ReadableStream) => (err ? reject(err) : docker.modem.followProgress(stream, (e) => (e ? reject(e) : resolve())))),
    );
  });
  afterAll(async () => {
    client?.close();
    if (paths) {
      await stopService(paths, silentLogger, { timeoutMs: 60_000 }).catch(() => undefined);
      // A killed daemon leaves its engine running for the next one; no next one comes.
      await new NativeDriver({ paths, log: silentLogger }).remove();
    }
    await registry?.stop();
    restoreEnv?.();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it(`${OBJECTS} containers and ${OBJECTS} volumes changed while the daemon is down, the sync killed ${KILLS} times: no duplicate, nothing stale, uids kept`, { timeout: 900_000 }, async () => {
    const c0 = client!;
    await settleAll(range(OBJECTS), 8, (i) => docker.createContainer({ Image: 'busybox', Cmd: ['true'], name: `keep-${i}` }));
    await settleAll(range(OBJECTS), 8, (i) => docker.createVolume({ Name: `keep-vol-${i}` }));
    await vi.waitFor(async () => {
      expect((await names(c0, CONTAINER)).length).toBe(OBJECTS);
      expect((await names(c0, VOLUME)).length).toBe(OBJECTS);
    }, WAIT);
    const uids = new Map((await c0.list(CONTAINER, { namespace: NS })).items.map((o) => [o.metadata.name!, o.metadata.uid!]));

    for (let kill = 0; kill < KILLS; kill++) {
      killDaemon();
      // While the daemon is down: half the containers go, as many come; a third of the volumes go.
      const gone = range(OBJECTS / 2).map((i) => (kill === 0 ? `keep-${i}` : `new-${kill - 1}-${i}`));
      await settleAll(gone, 8, (name) => docker.getContainer(name).remove({ force: true }));
      await settleAll(range(OBJECTS / 2), 8, (i) => docker.createContainer({ Image: 'busybox', Cmd: ['true'], name: `new-${kill}-${i}` }));
      await settleAll(range(OBJECTS / 3), 8, (i) => docker.getVolume(`keep-vol-${kill * 100 + i}`).remove().catch(() => undefined));
      const c = await startDaemon();
      // Kill it again as soon as the sync has started writing what changed (the first new mirror), before it is done.
      await vi.waitFor(async () => {
        const mirrors = (await c.list(CONTAINER, { namespace: NS })).items;
        expect(mirrors.some((o) => String(o.status?.name).startsWith(`new-${kill}-`))).toBe(true);
      }, WAIT);
    }
    killDaemon();
    const c = await startDaemon();
    await connected(c);

    const engineContainers = (await docker.listContainers({ all: true })).map((x) => x.Id).sort();
    const engineVolumes = ((await docker.listVolumes()).Volumes ?? []).map((v) => volumeMirrorName(v.Name)).sort();
    await vi.waitFor(async () => {
      expect(await names(c, CONTAINER)).toEqual(engineContainers);
      expect(await names(c, VOLUME)).toEqual(engineVolumes);
    }, WAIT);
    // Containers that lived through it all kept their mirror's uid.
    for (const o of (await c.list(CONTAINER, { namespace: NS })).items) {
      const before = uids.get(o.metadata.name!);
      if (before) expect(o.metadata.uid).toBe(before);
    }
  });
});
