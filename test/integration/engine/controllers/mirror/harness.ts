import { mkdtemp, rm } from 'node:fs/promises';
import { execa } from 'execa';
import { expect, vi } from 'vitest';
import { mirrorAdmission } from '../../../../../src/engine/controllers/mirror/mirror-admission.js';
import { applyAppConditions } from '../../../../../src/engine/controllers/app-conditions.js';
import { APP_CONTROLLER_MANAGER, type AppObject } from '../../../../../src/engine/kube/app.js';
import type { Controller } from '../../../../../src/engine/controllers/controller.js';
import type { AdmissionHook } from '../../../../../src/engine/kube/admission.js';
import { createEngineController, type EngineControllerDeps } from '../../../../../src/engine/controllers/mirror/engine-controller.js';
import type { KubeClient } from '../../../../../src/engine/kube/client.js';
import { APP, APP_NAME, apiVersionOf, type ResourceRef } from '../../../../../src/engine/kube/resources.js';
import type { Condition, KubeObject } from '../../../../../src/engine/kube/types.js';
import { createLogger, type Logger } from '../../../../../src/engine/base/log.js';
import { instancePaths } from '../../../../../src/engine/base/paths.js';
import { startTestApiServer, type TestApiServer } from '../../../../support/apiserver.js';
import { startDockerd, type TestDockerd } from '../../../../support/dockerd.js';
import { startRegistry, type TestRegistry } from '../../../../support/registry.js';

export const NS = 'rancher-desktop';
export const WAIT = { timeout: 30_000, interval: 100 };

/** Lookups and waits the suites share; the harness is read lazily because suites create it in beforeAll. */
export function mirrorProbes(harness: () => MirrorHarness) {
  const find = (ref: ResourceRef, name: string): Promise<KubeObject | undefined> => harness().client.find(ref, name, NS);
  return {
    find,
    imageId: (ref: string): Promise<string> => harness().docker('image', 'inspect', '--format', '{{.Id}}', ref),
    present: (ref: ResourceRef, name: string, status: Record<string, unknown> = {}) =>
      vi.waitFor(async () => {
        const obj = await find(ref, name);
        expect(obj?.status).toBeDefined();
        expect(obj?.status).toMatchObject(status);
        return obj!;
      }, WAIT),
    gone: (ref: ResourceRef, name: string) => vi.waitFor(async () => expect(await find(ref, name)).toBeUndefined(), WAIT),
  };
}

export interface MirrorHarness {
  api: TestApiServer;
  /** The loopback registry, also dockerd's registry mirror. */
  registry: TestRegistry;
  client: KubeClient;
  dockerd: TestDockerd;
  controller: Controller;
  /** Every log line of the engine controller, for asserting retries. */
  logs: string[];
  docker(...args: string[]): Promise<string>;
  app(): Promise<AppObject>;
  engineReady(): Promise<Condition | undefined>;
  /** The App's spec, patched by merge (as `rdd set` does). */
  setSpec(spec: Record<string, unknown>): Promise<void>;
  /** Stands in for the App controller: Running=True/False written with its field manager (a real seam). */
  setRunning(running: boolean): Promise<void>;
  /**
   * What the App controller reports when a crashed engine is back: Running
   * False, then True. That is new input for the engine controller, so it ends
   * a reconnect backoff (an unrelated App event does not).
   */
  reportEngineBack(): Promise<void>;
  stop(): Promise<void>;
}

export interface HarnessOptions extends Partial<Pick<EngineControllerDeps, 'hooks' | 'backoff'>> {
  /** Start with no App (so tests can prepare the engine before the controller acts). */
  noApp?: boolean;
  /** The API server's admission hooks; default: the mirror's. */
  admission?: AdmissionHook[];
}

/** A container command that exits on SIGTERM: busybox sleep as PID 1 ignores it and every stop would wait out its 10 s grace. */
export const STOPPABLE_COMMAND = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'];

/**
 * Starts or stops a container behind the mirror's back, as a user's docker
 * CLI would. Either may fail (already in that state, or gone through its
 * mirror meanwhile): the suites judge the end state, not each step.
 */
export async function startOrStop(h: MirrorHarness, start: boolean, id: string): Promise<void> {
  await h.docker(...(start ? ['start', id] : ['stop', '-t', '0', id])).catch(() => undefined);
}

/** Fast retries so backoff-driven recovery is observable within a test. */
export const fastBackoff = (failures: number): number => Math.min(100 * 2 ** Math.max(0, failures - 1), 1000);

export async function startHarness(opts: HarnessOptions = {}): Promise<MirrorHarness> {
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const registry: TestRegistry = await startRegistry();
    cleanups.push(() => registry.stop());
    const dockerd = await startDockerd({ registryMirror: registry.host });
    cleanups.push(() => dockerd.stop());
    const api = await startTestApiServer({ admission: opts.admission ?? mirrorAdmission });
    cleanups.push(() => api.stop());
    const home = await mkdtemp('/tmp/rdd-mt.');
    cleanups.push(() => rm(home, { recursive: true, force: true }));

    const logs: string[] = [];
    const log: Logger = createLogger({ level: 'debug', write: (line) => logs.push(line) });
    const paths = { ...instancePaths('mt', { home }), dockerSocket: dockerd.socketPath };
    const controller = createEngineController({
      // In-process, as the daemon runs it (daemon/serve.ts); the test itself talks HTTPS, as a user does.
      client: api.server.localClient(),
      paths,
      log,
      backoff: opts.backoff ?? fastBackoff,
      stopTimeoutSeconds: 1,
      hooks: opts.hooks,
    });
    const client = api.client;
    const docker = async (...args: string[]) => (await execa('docker', ['-H', `unix://${dockerd.socketPath}`, ...args])).stdout.trim();
    const app = () => client.get<AppObject>(APP, APP_NAME);
    const h: MirrorHarness = {
      api,
      registry,
      client,
      dockerd,
      controller,
      logs,
      docker,
      app,
      engineReady: async () => (await app()).status?.conditions?.find((c) => c.type === 'ContainerEngineReady'),
      setSpec: async (spec) => {
        await client.patch(APP, APP_NAME, { spec }, { type: 'merge' });
      },
      setRunning: async (running) => {
        const current = await app();
        await applyAppConditions(
          client,
          APP_CONTROLLER_MANAGER,
          [
            {
              type: 'Running',
              status: running ? 'True' : 'False',
              reason: running ? 'Started' : 'Stopped',
              message: 'set by the test',
              observedGeneration: current.metadata.generation,
            },
          ],
          log,
        );
      },
      async reportEngineBack() {
        await h.setRunning(false);
        await h.setRunning(true);
      },
      stop,
    };
    await controller.start();
    cleanups.push(() => controller.stop());
    if (!opts.noApp) await createRunningApp(h);
    return h;
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * A harness whose engine has busybox (from the loopback registry) and whose
 * controller is Connected: where most suites start. `wait` bounds the wait for
 * Connected (a loaded machine wants more than WAIT).
 */
export async function startConnectedHarness(opts: HarnessOptions = {}, wait = WAIT): Promise<MirrorHarness> {
  const h = await startHarness(opts);
  try {
    await h.docker('pull', 'busybox');
    await vi.waitFor(async () => expect(await h.engineReady()).toMatchObject({ reason: 'Connected' }), wait);
  } catch (err) {
    await h.stop();
    throw err;
  }
  return h;
}

export async function createRunningApp(h: MirrorHarness): Promise<void> {
  await h.client.create(APP, { apiVersion: apiVersionOf(APP), kind: APP.kind, metadata: { name: APP_NAME }, spec: { running: true } });
  await h.setRunning(true);
}

export function finalizersOf(obj: KubeObject | undefined): string[] {
  return obj?.metadata.finalizers ?? [];
}

