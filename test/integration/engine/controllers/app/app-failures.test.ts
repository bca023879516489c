import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApiServer } from '../../../../support/apiserver.js';
import { appAdmission } from '../../../../../src/engine/controllers/app/app-admission.js';
import type { AppObject } from '../../../../../src/engine/kube/app.js';
import { applyAppSpec } from '../../../../../src/commands/app/apply-spec.js';
import { waitForSettled } from '../../../../../src/commands/app/wait-settled.js';
import { findCondition } from '../../../../../src/engine/kube/conditions.js';
import { createAppController, type AppController } from '../../../../../src/engine/controllers/app/app-controller.js';
import { ExitCode, RddError, TerminalError } from '../../../../../src/engine/base/errors.js';
import { APP, APP_NAME } from '../../../../../src/engine/kube/resources.js';
import { silentLogger } from '../../../../../src/engine/base/log.js';
import { instancePaths } from '../../../../../src/engine/base/paths.js';
import type { EngineSettings, StartProgress } from '../../../../../src/engine/vm/driver.js';
import { FakeDriver } from './fake-driver.js';
import { rejectionOf } from '../../../../support/rejection.js';

/**
 * Failure paths through the driver seam: a driver whose start fails, or
 * whose engine crashes for good, against the real API server. `rdd set`'s
 * wait (waitForSettled) must fail promptly on them, never run into its deadline.
 */
class ScriptedDriver extends FakeDriver {
  startError?: string;
  stopError?: string;
  /** Whether startError is a failure a retry may heal (a timeout) rather than a terminal one. */
  retryable = false;
  /** Starts of an engine that was not running (start on a running one adopts it and is a no-op). */
  starts = 0;

  /**
   * A start with these settings' cpus that reports these steps, then waits for `release` (a first
   * Lima create, say). Only the start for the test's own generation: a reconcile still finishing
   * the previous test's generation must not take the gate.
   */
  slowStart?: { cpus: number; steps: string[]; gate: Promise<void> };

  /** The progress callback of the start in progress, for steps a test reports later. */
  report?: (p: StartProgress) => void;

  async start(settings: EngineSettings, _signal?: AbortSignal, onProgress?: (p: StartProgress) => void): Promise<void> {
    this.report = onProgress;
    const slow = this.slowStart;
    if (slow && slow.cpus === settings.cpus) {
      for (const message of slow.steps) onProgress?.({ message, firstCreate: true });
      await slow.gate;
    }
    if (this.phase.phase !== 'running') this.starts++;
    // The one terminal-error rule: only a TerminalError is terminal; anything else is retried.
    if (this.startError) throw this.retryable ? new Error(this.startError) : new TerminalError(this.startError);
    this.phase = { phase: 'running', engine: 'moby' };
  }
  override async stop(): Promise<void> {
    if (this.stopError) throw new Error(this.stopError);
    await super.stop();
  }
}

type TestServer = Awaited<ReturnType<typeof startTestApiServer>>;
let server: TestServer;
let controller: AppController;
const driver = new ScriptedDriver();
const lima = new ScriptedDriver('lima');
const paths = instancePaths('ifail', { env: { HOME: '/nonexistent-home' } });
const progress: string[] = [];
const wait = (generation: number, timeoutMs = 60_000, firstStart?: { idleMs: number; maxMs: number }) =>
  waitForSettled(server.client, {
    generation,
    deadline: Date.now() + timeoutMs,
    timeoutText: `${timeoutMs}ms`,
    logDir: '/the/log/dir',
    log: silentLogger,
    onProgress: (text) => progress.push(text),
    firstStart,
  });
const runningIs = async (expected: Record<string, unknown>): Promise<AppObject> => {
  let app!: AppObject;
  await vi.waitFor(
    async () => {
      app = await server.client.get<AppObject>(APP, APP_NAME);
      expect(findCondition(app.status?.conditions, 'Running')).toMatchObject(expected);
    },
    { timeout: 30_000, interval: 50 },
  );
  return app;
};
const applied = async (spec: Record<string, unknown>, dryRun = false): Promise<AppObject> => {
  const outcome = await applyAppSpec(server.client, spec, { dryRun });
  if (outcome.kind !== 'applied') throw new Error(`expected the App to be written, got ${outcome.kind}`);
  return outcome.app;
};
const rejection = (p: Promise<unknown>): Promise<RddError> => rejectionOf(p, RddError);

beforeAll(async () => {
  server = await startTestApiServer({ admission: [appAdmission] });
  controller = createAppController(
    { client: server.client, paths, log: silentLogger },
    { createDriver: async (choice) => (choice === 'lima' ? lima : driver), dockerConfigDir: '/nonexistent-home/.docker', backoff: () => 60_000 },
  );
  await controller.start();
});

afterAll(async () => {
  await controller?.stop();
  await server?.stop();
});

describe('rdd set against the real API server, with a scripted driver', () => {
  it('stop with no App does not create one; dry-run and rejected writes persist nothing', async () => {
    expect(await applyAppSpec(server.client, { running: false }, { dryRun: false, createMissing: false })).toEqual({ kind: 'nothing-to-stop' });
    expect(await server.client.find(APP, APP_NAME)).toBeUndefined();
    const dry = await applied({ running: true, vm: { cpus: 3 } }, true);
    expect(dry.spec?.containerEngine?.name).toBe('moby'); // defaults applied by the server
    expect(await server.client.find(APP, APP_NAME)).toBeUndefined();
    const bad = await rejection(applyAppSpec(server.client, { containerEngine: { name: 'podman' } }, { dryRun: false }));
    expect(bad.exitCode).toBe(ExitCode.Rejected);
    expect(bad.message).toContain('Unsupported value: "podman"');
    expect(await server.client.find(APP, APP_NAME)).toBeUndefined();
  });

  it('fails promptly with StartFailed and the driver message, pointing at the logs', async () => {
    driver.startError = 'dockerd exited while starting: permission denied';
    const app = await applied({ running: true });
    const started = Date.now();
    const err = await rejection(wait(app.metadata.generation ?? 0));
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(err.exitCode).toBe(ExitCode.Error);
    expect(err.message).toContain('StartFailed: dockerd exited while starting: permission denied');
    expect(err.suggestion).toContain('/the/log/dir');
  });

  it('a retryable start failure says Starting with the cause, and the wait keeps going instead of failing', async () => {
    driver.startError = 'dockerd (pid 42) did not answer within 60s';
    driver.retryable = true;
    const app = await applied({ vm: { cpus: 7 } });
    const generation = app.metadata.generation ?? 0;
    progress.length = 0;
    const waiting = wait(generation, 3_000);
    await runningIs({ status: 'False', reason: 'Starting', message: 'start failed, retrying: dockerd (pid 42) did not answer within 60s', observedGeneration: generation });
    const err = await rejection(waiting);
    expect(err.exitCode).toBe(ExitCode.Timeout);
    expect(err.message).toContain('start failed, retrying');
    expect(progress.join('\n')).toContain('start failed, retrying');
    // The controller's backoff is 60 s here: a new generation is new input and retries at once.
    driver.startError = undefined;
    driver.retryable = false;
    const healed = await applied({ vm: { cpus: 3 } });
    expect(healed.metadata.generation).toBeGreaterThan(generation);
    await runningIs({ status: 'True', reason: 'Started', observedGeneration: healed.metadata.generation });
  });

  it('a terminal failure is held: driver events do not retry it, asking for running=true again does', async () => {
    driver.startError = 'dockerd is not installed';
    driver.phase = { phase: 'stopped' };
    const app = await applied({ vm: { cpus: 4 } });
    const generation = app.metadata.generation ?? 0;
    await runningIs({ reason: 'StartFailed', observedGeneration: generation });
    const starts = driver.starts;
    for (let i = 0; i < 20; i++) driver.poke();
    driver.startError = undefined;
    // `rdd set running=true` (or `rdd start`): no spec change, so the same generation, plus the retry annotation.
    const retried = await applied({ running: true });
    expect(retried.metadata.generation).toBe(generation);
    expect(retried.metadata.annotations?.['app.rancherdesktop.io/retry']).toBeDefined();
    const now = await runningIs({ status: 'True', reason: 'Started', observedGeneration: generation });
    expect(now.metadata.annotations?.['app.rancherdesktop.io/retry']).toBeUndefined();
    // One start for the retry: the twenty driver events before it started nothing.
    expect(driver.starts).toBe(starts + 1);
  });

  it('a give-up crash fails the wait with Crashed and holds; a new generation and running=true each retry it', async () => {
    driver.startError = undefined;
    const app = await applied({ vm: { cpus: 5 } });
    const generation = app.metadata.generation ?? 0;
    await runningIs({ status: 'True', reason: 'Started', observedGeneration: generation });
    driver.crash('dockerd died 5 times within 60s; not restarting it');
    const err = await rejection(wait(generation));
    expect(err.message).toContain('Crashed: dockerd died 5 times');
    expect(err.suggestion).toContain('rdd set running=true');
    // Crashed at a generation holds: the driver's own state changes do not restart it.
    driver.poke();
    await runningIs({ reason: 'Crashed', observedGeneration: generation });
    const starts = driver.starts;
    const next = await applied({ vm: { cpus: 6 } });
    await runningIs({ status: 'True', reason: 'Started', observedGeneration: next.metadata.generation });
    expect(driver.starts).toBe(starts + 1);
    driver.crash('dockerd died 5 times within 60s; not restarting it');
    await runningIs({ reason: 'Crashed', observedGeneration: next.metadata.generation });
    await applied({ running: true });
    await runningIs({ status: 'True', reason: 'Started', observedGeneration: next.metadata.generation });
  });

  it('a long first start shows its progress in Running, and no late progress line overwrites Started', async () => {
    let release!: () => void;
    driver.phase = { phase: 'absent' };
    driver.slowStart = { cpus: 8, steps: ['downloading the image', 'booting the VM'], gate: new Promise<void>((r) => (release = r)) };
    try {
      const app = await applied({ running: true, vm: { cpus: 8 } });
      const generation = app.metadata.generation;
      await runningIs({ reason: 'Starting', message: 'first start, this takes several minutes: booting the VM', observedGeneration: generation });
      release();
      const started = await runningIs({ status: 'True', reason: 'Started', observedGeneration: generation });
      expect(started.metadata.generation).toBe(generation);
    } finally {
      driver.slowStart = undefined;
    }
  });

  it('a wait that cannot settle in time is a timeout (exit 4) saying what blocked it', async () => {
    driver.phase = { phase: 'stopped' };
    const app = await applied({ running: false });
    // Nothing writes ContainerEngineReady here, so Settled stays False.
    const err = await rejection(wait(app.metadata.generation ?? 0, 1500));
    expect(err.exitCode).toBe(ExitCode.Timeout);
    expect(err.message).toMatch(/timed out after 1500ms waiting for App "app" to settle at generation \d+ \(last: .*ContainerEngineReady/);
  });

  it('a stop that fails says StopFailed with the cause, and a new generation retries it', async () => {
    await applied({ running: true, vm: { cpus: 10 } });
    await runningIs({ status: 'True', reason: 'Started' });
    driver.stopError = 'dockerd (pid 42) did not exit after SIGKILL';
    try {
      const stopping = await applied({ running: false });
      await runningIs({ reason: 'StopFailed', message: 'dockerd (pid 42) did not exit after SIGKILL', observedGeneration: stopping.metadata.generation });
      expect(driver.phase).toMatchObject({ phase: 'running' });
    } finally {
      driver.stopError = undefined;
    }
    const again = await applied({ vm: { cpus: 11 } });
    await runningIs({ status: 'False', reason: 'Stopped', observedGeneration: again.metadata.generation });
    expect(driver.phase).toEqual({ phase: 'stopped' });
  });

  it('switching vm.driver stops the engine of the old driver and starts the new one', async () => {
    await applied({ running: true, vm: { driver: 'native' } });
    await runningIs({ status: 'True', reason: 'Started', message: 'moby is running (native driver)' });
    const switched = await applied({ vm: { driver: 'lima' } });
    await runningIs({ status: 'True', reason: 'Started', message: 'moby is running (lima driver)', observedGeneration: switched.metadata.generation });
    expect(driver.phase).toEqual({ phase: 'stopped' });
    expect(lima.phase).toEqual({ phase: 'running', engine: 'moby' });
    await applied({ vm: { driver: 'native' } });
    await runningIs({ status: 'True', message: 'moby is running (native driver)' });
  });

  it('an App removed without its finalizer (by force) does not leave its engine running', async () => {
    await applied({ running: true });
    await runningIs({ status: 'True', reason: 'Started' });
    expect(driver.phase).toMatchObject({ phase: 'running' });
    await server.client.patch(APP, APP_NAME, { metadata: { finalizers: null } }, { type: 'merge' });
    await server.client.delete(APP, APP_NAME);
    await vi.waitFor(() => expect(driver.phase).toEqual({ phase: 'stopped' }), { timeout: 30_000, interval: 50 });
  });

  it('a first start that keeps reporting steps keeps the default wait going past its deadline; one that goes quiet times out', async () => {
    let release!: () => void;
    driver.phase = { phase: 'absent' };
    driver.slowStart = { cpus: 12, steps: ['downloading the image'], gate: new Promise<void>((r) => (release = r)) };
    try {
      const app = await applied({ running: true, vm: { cpus: 12 } });
      const generation = app.metadata.generation;
      await runningIs({ message: 'first start, this takes several minutes: downloading the image', observedGeneration: generation });
      const began = Date.now();
      let outcome: unknown;
      const waiting = wait(generation ?? 0, 1000, { idleMs: 3000, maxMs: 60_000 }).catch((err: unknown) => (outcome = err));
      // Each step is reported once the previous one shows; progress writes come at most every 2 s.
      for (const step of ['booting the VM', 'installing docker', 'starting docker']) {
        driver.report?.({ message: step, firstCreate: true });
        await runningIs({ message: `first start, this takes several minutes: ${step}`, observedGeneration: generation });
      }
      expect(Date.now() - began).toBeGreaterThan(1000);
      expect(outcome).toBeUndefined();
      // Quiet from here on: the moved deadline runs out.
      await waiting;
      expect(outcome).toBeInstanceOf(RddError);
      expect((outcome as RddError).exitCode).toBe(ExitCode.Timeout);
      release();
      await runningIs({ status: 'True', reason: 'Started', observedGeneration: generation });
    } finally {
      release?.();
      driver.slowStart = undefined;
    }
  });
});
