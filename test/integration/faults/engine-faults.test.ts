import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { applyAppSpec } from '../../../src/commands/app/apply-spec.js';
import { silentLogger } from '../../../src/engine/base/log.js';
import { instancePaths, type InstancePaths } from '../../../src/engine/base/paths.js';
import type { Controller } from '../../../src/engine/controllers/controller.js';
import { daemonAdmission, daemonControllers } from '../../../src/engine/daemon/components.js';
import type { AppObject } from '../../../src/engine/kube/app.js';
import { findCondition } from '../../../src/engine/kube/conditions.js';
import { EVENT } from '../../../src/engine/kube/events.js';
import { Informer } from '../../../src/engine/kube/informer.js';
import { APP, APP_NAME, CONTAINER, IMAGE, VOLUME } from '../../../src/engine/kube/resources.js';
import type { KubeObject } from '../../../src/engine/kube/types.js';
import { readPidFile, signalProcess } from '../../../src/engine/vm/native/engine-process.js';
import { NativeDriver } from '../../../src/engine/vm/native/native-driver.js';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver.js';
import { holdsFor } from '../../support/holds-for.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';

/*
 * Engine faults through the daemon's real composition (API server, admission,
 * the shared App informer, the App and engine controllers, the native driver
 * and a real dockerd), each named after the finding it keeps fixed.
 */

const NS = 'rancher-desktop';
/** Longer than the native driver's stable-run threshold (1 s after the engine answers). */
const STABLE_MS = 1500;
const WAIT = { timeout: 90_000, interval: 100 };
let home: string;
let paths: InstancePaths;
let registry: TestRegistry;
let server: TestApiServer;
let controllers: Controller[] = [];
let daemonJson: string;

const docker = (...args: string[]) =>
  execa('docker', ['--host', `unix://${paths.dockerSocket}`, ...args], { env: { DOCKER_CONFIG: home } }).then((r) => r.stdout.trim());
const getApp = () => server.client.get<AppObject>(APP, APP_NAME);
const condition = async (type: string) => findCondition((await getApp()).status?.conditions, type);
const spawns = () => (readFileSync(path.join(paths.logDir, 'dockerd.log'), 'utf8').match(/ rdd starts: /g) ?? []).length;

/** When this test last saw the engine Connected: it answered no later than that. */
let answeredAt = 0;

async function connected(): Promise<void> {
  await vi.waitFor(async () => expect(await condition('ContainerEngineReady')).toMatchObject({ status: 'True', reason: 'Connected' }), WAIT);
  answeredAt = Date.now();
}

/**
 * Until the engine has run past the crash policy's stable second since it
 * answered, as seen from here (so never too early). The policy is about time,
 * so this waits on time, but from the observed answer, not a fixed sleep.
 */
async function engineStable(): Promise<void> {
  await vi.waitFor(() => expect(Date.now() - answeredAt).toBeGreaterThanOrEqual(STABLE_MS), { ...WAIT, interval: 50 });
}

/** Events about objects of `kind` with `reason`, as `kubectl get events --field-selector` finds them. */
async function events(kind: string, reason: string): Promise<KubeObject[]> {
  return (await server.client.list(EVENT, { fieldSelector: `involvedObject.kind=${kind},reason=${reason}` })).items;
}


beforeAll(async () => {
  home = mkdtempSync('/tmp/rdd-engine-faults.');
  paths = instancePaths('eflt', { home, env: {} });
  mkdirSync(paths.shortDir, { recursive: true });
  process.env.DOCKER_CONFIG = path.join(home, 'docker-config');
  registry = await startRegistry();
  daemonJson = JSON.stringify({ 'registry-mirrors': [registry.url] });
  writeFileSync(paths.daemonJson, daemonJson);
  server = await startTestApiServer({ admission: daemonAdmission() });
  controllers = daemonControllers({ client: server.server.localClient(), paths, log: silentLogger, storeHealth: server.server.storeHealth });
  for (const c of controllers) await c.start();
  await applyAppSpec(server.client, { running: true }, { dryRun: false });
  await connected();
  await docker('pull', 'busybox');
});

afterAll(async () => {
  for (const c of [...controllers].reverse()) await c.stop();
  const driver = new NativeDriver({ paths, log: silentLogger });
  await driver.remove();
  await server?.stop();
  await registry?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('fault: every engine crash wipes all mirrors', () => {
  it('engine SIGKILL x10 with creates and deletes between kills: uids kept, no DELETE+ADD, containers still running', async () => {
    const running: string[] = [];
    for (let i = 0; i < 3; i++) running.push(await docker('run', '-d', '--name', `crash-${i}`, 'busybox', 'sleep', '3600'));
    await docker('volume', 'create', 'crash-vol');
    await vi.waitFor(async () => expect((await server.client.list(CONTAINER, { namespace: NS })).items.length).toBeGreaterThanOrEqual(3), WAIT);
    const uids = new Map<string, string>();
    for (const ref of [CONTAINER, IMAGE, VOLUME]) for (const o of (await server.client.list(ref, { namespace: NS })).items) uids.set(`${ref.kind}/${o.metadata.name}`, o.metadata.uid!);
    const deletions: string[] = [];
    const watchers = [CONTAINER, IMAGE, VOLUME].map((ref) => {
      const informer = new Informer<KubeObject>(server.client, ref, { namespace: NS, log: silentLogger });
      informer.on((type, obj) => type === 'DELETED' && deletions.push(`${ref.kind}/${obj.metadata.name}`));
      return informer;
    });
    await Promise.all(watchers.map((w) => w.start()));
    try {
      const created: string[] = [];
      for (let kill = 0; kill < 10; kill++) {
        // Kill a healthy engine: one that ran past the crash policy's stable second after answering (ten
        // deaths each within that second are a crash loop, which the driver gives up on).
        await engineStable();
        const pid = readPidFile(paths.dockerPidFile)!;
        signalProcess(pid, 'SIGKILL');
        await vi.waitFor(() => expect(readPidFile(paths.dockerPidFile)).not.toBe(pid), WAIT);
        await connected();
        created.push(await docker('create', '--name', `between-${kill}`, 'busybox', 'true'));
      }
      await docker('rm', created[0]);
      for (const id of running) expect(await docker('inspect', '--format', '{{.State.Status}}', id)).toBe('running');
      await vi.waitFor(async () => {
        const names = (await server.client.list(CONTAINER, { namespace: NS })).items.map((o) => o.metadata.name);
        expect(names).toEqual(expect.arrayContaining([...running, ...created.slice(1)]));
        expect(names).not.toContain(created[0]);
      }, WAIT);
      for (const ref of [CONTAINER, IMAGE, VOLUME]) {
        for (const o of (await server.client.list(ref, { namespace: NS })).items) {
          const before = uids.get(`${ref.kind}/${o.metadata.name}`);
          if (before) expect(o.metadata.uid, `${ref.kind}/${o.metadata.name}`).toBe(before);
        }
      }
      // The only deletion any watcher saw is the container removed on purpose.
      expect(deletions).toEqual([`Container/${created[0]}`]);
    } finally {
      await Promise.all(watchers.map((w) => w.stop()));
    }
  });
});

describe('events a user sees in kubectl describe and kubectl events', () => {
  it('records the engine start and connection on the App, and a container stopped through spec.state on the Container', async () => {
    await vi.waitFor(async () => {
      expect((await events('App', 'EngineStarted'))[0]).toMatchObject({ type: 'Normal', message: expect.stringMatching(/moby is running/) });
      expect((await events('App', 'ContainerEngineConnected')).length).toBeGreaterThan(0);
    }, WAIT);
    const id = await docker('run', '-d', '--name', 'stop-me', 'busybox', 'sleep', '3600');
    await vi.waitFor(async () => expect(await server.client.find(CONTAINER, id, NS)).toBeDefined(), WAIT);
    await server.client.patch(CONTAINER, id, { spec: { state: 'created' } }, { type: 'merge', namespace: NS });
    await vi.waitFor(async () => {
      const stopped = (await events('Container', 'StateChanged')).filter((e) => (e.involvedObject as { name: string }).name === id);
      expect(stopped[0]).toMatchObject({ type: 'Normal', message: expect.stringMatching(/container is created/) });
    }, WAIT);
  });
});

describe('fault: no backoff, hot restart loop', () => {
  it('an invalid daemon.json fails the start once, says why, and is not retried until the user asks again', async () => {
    await applyAppSpec(server.client, { running: false }, { dryRun: false });
    await vi.waitFor(async () => expect(await condition('Running')).toMatchObject({ reason: 'Stopped' }), WAIT);
    writeFileSync(paths.daemonJson, JSON.stringify({ 'bogus-key': true }));
    const before = spawns();
    const outcome = await applyAppSpec(server.client, { running: true }, { dryRun: false });
    const generation = outcome.kind === 'applied' ? outcome.app.metadata.generation : undefined;
    await vi.waitFor(
      async () => expect(await condition('Running')).toMatchObject({ status: 'False', reason: 'StartFailed', observedGeneration: generation }),
      WAIT,
    );
    expect((await condition('Running'))?.message).toMatch(/bogus-key/);
    // kubectl describe app / kubectl events say why, as a Warning.
    await vi.waitFor(async () => expect((await events('App', 'EngineStartFailed'))[0]).toMatchObject({ type: 'Warning', message: expect.stringMatching(/bogus-key/) }), WAIT);
    // Every writer of the App has reported on this generation; from here on nothing may write.
    await vi.waitFor(async () => {
      expect((await condition('ContainerEngineReady'))?.message).toMatch(/StartFailed/);
      expect(await condition('Settled')).toMatchObject({ status: 'False', reason: 'StartFailed' });
      expect(await condition('StoreHealthy')).toMatchObject({ observedGeneration: generation });
    }, WAIT);
    const version = (await getApp()).metadata.resourceVersion;
    await holdsFor(5000, async () => {
      expect(spawns() - before).toBe(1);
      expect((await getApp()).metadata.resourceVersion).toBe(version);
    });
    // Fixed by the user, then `rdd set running=true` again: retried without a stop first.
    writeFileSync(paths.daemonJson, daemonJson);
    await applyAppSpec(server.client, { running: true }, { dryRun: false });
    await vi.waitFor(async () => expect(await condition('Running')).toMatchObject({ status: 'True', reason: 'Started' }), WAIT);
    await connected();
    expect(spawns() - before).toBe(2);
  });
});
