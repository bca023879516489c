import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as pace } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApiServer } from '../../../../support/apiserver.js';
import { appAdmission } from '../../../../../src/engine/controllers/app/app-admission.js';
import { applyAppConditions } from '../../../../../src/engine/controllers/app-conditions.js';
import { ENGINE_CONTROLLER_MANAGER, type AppObject } from '../../../../../src/engine/kube/app.js';
import { conditionHolds, findCondition } from '../../../../../src/engine/kube/conditions.js';
import { APP_FINALIZER, createAppController, type AppController } from '../../../../../src/engine/controllers/app/app-controller.js';
import { contextMetaPath, currentContext } from '../../../../../src/engine/base/docker-context-store.js';
import { isConflict, type KubeClient } from '../../../../../src/engine/kube/client.js';
import { APP, APP_NAME, apiVersionOf } from '../../../../../src/engine/kube/resources.js';
import { createLogger, silentLogger } from '../../../../../src/engine/base/log.js';
import { instancePaths, type InstancePaths } from '../../../../../src/engine/base/paths.js';
import { pingDockerSocket } from '../../../../../src/engine/vm/docker-ping.js';
import { isProcessAlive } from '../../../../../src/engine/service/process-info.js';
import { removeBridge } from '../../../../../src/engine/vm/native/bridge.js';
import { readPidFile } from '../../../../../src/engine/vm/native/engine-process.js';
import { createDriver } from '../../../../../src/engine/vm/select-driver.js';

type TestServer = Awaited<ReturnType<typeof startTestApiServer>>;
const WAIT = { timeout: 90_000, interval: 100 };
const CONTEXT = 'rancher-desktop-itest';

let home: string;
let paths: InstancePaths;
let server: TestServer;
let client: KubeClient;
let controller: AppController | undefined;
let writer: AbortController;
let writerLoop: Promise<void>;
const writerErrors: unknown[] = [];
/** The controllers' warnings and errors: a failed condition write shows up here (docs/design-rules.md#condition-writes-never-swallowed). */
const logLines: string[] = [];
const log = createLogger({ level: 'warn', write: (line) => logLines.push(line) });

const dockerdPid = (): number | undefined => readPidFile(paths.dockerPidFile);
const alive = (pid: number | undefined): boolean => pid !== undefined && isProcessAlive(pid);
const getApp = () => client.get<AppObject>(APP, APP_NAME);

async function startController(): Promise<AppController> {
  const c = createAppController(
    { client, paths, log },
    { dockerConfigDir: path.join(home, 'docker-config'), env: { DOCKER_HOST: `unix://${home}/no-engine.sock` } },
  );
  await c.start();
  return c;
}

async function setSpec(spec: AppObject['spec']): Promise<number> {
  const app = await client.patch<AppObject>(APP, APP_NAME, { spec }, { type: 'merge' });
  return app.metadata.generation ?? 0;
}

async function waitSettled(generation: number): Promise<AppObject> {
  return vi.waitFor(async () => {
    const app = await getApp();
    expect(conditionHolds(app.status?.conditions, 'Settled', 'True', generation), JSON.stringify(app.status?.conditions)).toBe(true);
    return app;
  }, WAIT);
}

/**
 * Stands in for the engine controller: it writes ContainerEngineReady as its
 * own field manager, concurrently with the App controller
 * (docs/design-rules.md#status-writers-never-conflict). `force`
 * rewrites even unchanged conditions to raise the write rate.
 */
async function engineWriter(signal: AbortSignal, force: () => boolean): Promise<void> {
  let n = 0;
  while (!signal.aborted) {
    try {
      const app = await client.find<AppObject>(APP, APP_NAME);
      if (app && !app.metadata.deletionTimestamp) {
        const running = findCondition(app.status?.conditions, 'Running');
        const generation = app.metadata.generation ?? 0;
        const cond = !app.spec?.running
          ? { status: 'False' as const, reason: 'Stopped', message: 'engine stopped' }
          : running?.status === 'True' && app.spec.containerEngine?.name === 'containerd'
            ? { status: 'True' as const, reason: 'NotApplicable', message: 'containerd: nothing is mirrored' }
            : running?.status === 'True'
              ? { status: 'True' as const, reason: 'Connected', message: force() ? `sync ${++n}` : 'synced' }
            : { status: 'False' as const, reason: 'ConnectFailed', message: 'engine not running' };
        await applyAppConditions(client, ENGINE_CONTROLLER_MANAGER, [{ type: 'ContainerEngineReady', ...cond, observedGeneration: generation }], silentLogger, app);
        if (force()) forcedWrites++;
      }
    } catch (err) {
      // Connection errors while the server restarts are expected; a conflict never is.
      if (isConflict(err)) writerErrors.push(err);
    }
    await pace(force() ? 5 : 50);
  }
}

let forceWrites = false;
let forcedWrites = 0;

beforeAll(async () => {
  home = await mkdtemp('/tmp/rdd.');
  paths = instancePaths('itest', { env: { HOME: home } });
  server = await startTestApiServer({ admission: [appAdmission] });
  client = server.client;
  writer = new AbortController();
  writerLoop = engineWriter(writer.signal, () => forceWrites);
  controller = await startController();
});

afterAll(async () => {
  writer?.abort();
  await writerLoop;
  await controller?.stop();
  const driver = await createDriver('native', { paths, log: silentLogger });
  await driver.remove();
  await driver.dispose();
  await removeBridge(paths.shortDir);
  await server?.stop();
  await rm(home, { recursive: true, force: true });
});

describe('App controller with the native driver and a real dockerd', () => {
  it('running=true starts the engine: socket answers, Running=True, Settled=True, Docker context current', async () => {
    await client.create(APP, { apiVersion: apiVersionOf(APP), kind: APP.kind, metadata: { name: APP_NAME }, spec: { running: true } });
    const app = await waitSettled(1);
    expect(findCondition(app.status?.conditions, 'Running')).toMatchObject({ status: 'True', reason: 'Started', observedGeneration: 1 });
    expect(app.metadata.finalizers).toContain(APP_FINALIZER);
    expect(await pingDockerSocket(paths.dockerSocket)).toBe(true);
    const configDir = path.join(home, 'docker-config');
    await vi.waitFor(async () => expect(await currentContext(configDir)).toBe(CONTEXT), WAIT);
    expect(JSON.parse(readFileSync(contextMetaPath(configDir, CONTEXT), 'utf8')).Endpoints.docker.Host).toBe(`unix://${paths.dockerSocket}`);
  });

  it('restarts the engine after a SIGKILL', async () => {
    const before = dockerdPid();
    expect(alive(before)).toBe(true);
    process.kill(before!, 'SIGKILL');
    await vi.waitFor(async () => {
      const now = dockerdPid();
      expect(now).not.toBe(before);
      expect(alive(now)).toBe(true);
      expect(await pingDockerSocket(paths.dockerSocket)).toBe(true);
      const app = await getApp();
      expect(findCondition(app.status?.conditions, 'Running')).toMatchObject({ status: 'True', reason: 'Started' });
    }, WAIT);
  });

  it('after a daemon restart (controller gone without stopping the engine, API server restarted) the engine is adopted', async () => {
    const before = dockerdPid();
    await controller!.detach();
    await server.restart();
    controller = await startController();
    const generation = await setSpec({ vm: { cpus: 3 } });
    await waitSettled(generation);
    expect(dockerdPid()).toBe(before);
    expect(await pingDockerSocket(paths.dockerSocket)).toBe(true);
  });

  it('concurrent writers of App status never surface a 409', async () => {
    forceWrites = true;
    let generation = 0;
    try {
      // Bump the generation (each makes the App controller write) until both writers wrote plenty.
      const deadline = Date.now() + 60_000;
      for (let i = 0; (i < 15 || forcedWrites <= 20) && Date.now() < deadline; i++) {
        generation = await setSpec({ vm: { cpus: (i % 8) + 1 } });
        await pace(20);
      }
      await waitSettled(generation);
    } finally {
      forceWrites = false;
    }
    expect(forcedWrites).toBeGreaterThan(20);
    expect(writerErrors).toEqual([]);
    expect(logLines.filter((l) => /failed to write App conditions|409|[Cc]onflict/.test(l))).toEqual([]);
  });

  it('changing the engine while running restarts it with the other engine', async () => {
    const mobyPid = dockerdPid();
    let generation = await setSpec({ containerEngine: { name: 'containerd' } });
    await waitSettled(generation);
    expect(alive(mobyPid)).toBe(false);
    const driver = await createDriver('native', { paths, log: silentLogger });
    expect(await driver.state()).toEqual({ phase: 'running', engine: 'containerd' });
    // containerd has no Docker API: a (current) context pointing at it would be broken.
    const configDir = path.join(home, 'docker-config');
    await vi.waitFor(async () => expect(existsSync(contextMetaPath(configDir, CONTEXT))).toBe(false), WAIT);
    expect(await currentContext(configDir)).toBeUndefined();
    generation = await setSpec({ containerEngine: { name: 'moby' } });
    await waitSettled(generation);
    expect(await driver.state()).toEqual({ phase: 'running', engine: 'moby' });
    expect(await pingDockerSocket(paths.dockerSocket)).toBe(true);
    await vi.waitFor(async () => expect(await currentContext(configDir)).toBe(CONTEXT), WAIT);
    await driver.dispose();
  });

  it('running=false stops the engine: process gone, Running=False/Stopped, Docker context removed', async () => {
    const pid = dockerdPid();
    const generation = await setSpec({ running: false });
    const app = await waitSettled(generation);
    expect(findCondition(app.status?.conditions, 'Running')).toMatchObject({ status: 'False', reason: 'Stopped' });
    expect(alive(pid)).toBe(false);
    expect(await pingDockerSocket(paths.dockerSocket)).toBe(false);
    expect(existsSync(contextMetaPath(path.join(home, 'docker-config'), CONTEXT))).toBe(false);
    expect(await currentContext(path.join(home, 'docker-config'))).toBeUndefined();
  });

  it('a graceful controller stop stops the engine', async () => {
    const generation = await setSpec({ running: true });
    await waitSettled(generation);
    const pid = dockerdPid();
    await controller!.stop();
    controller = undefined;
    expect(alive(pid)).toBe(false);
    expect(findCondition((await getApp()).status?.conditions, 'Running')).toMatchObject({ status: 'False', reason: 'Stopped' });
  });

  it('deleting the App removes the engine, then the App', async () => {
    controller = await startController();
    await vi.waitFor(async () => expect(await pingDockerSocket(paths.dockerSocket)).toBe(true), WAIT);
    await client.delete(APP, APP_NAME);
    await vi.waitFor(async () => expect(await client.find(APP, APP_NAME)).toBeUndefined(), WAIT);
    expect(existsSync(paths.dockerDataRoot)).toBe(false);
    expect(alive(dockerdPid())).toBe(false);
  });
});
