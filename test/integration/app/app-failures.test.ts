import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApiServer } from '../../support/apiserver.js';
import { appAdmission } from '../../../src/controllers/app/app-admission.js';
import type { AppObject } from '../../../src/kube/app.js';
import { applyAppSpec } from '../../../src/cli/app/apply-spec.js';
import { waitForSettled } from '../../../src/cli/app/wait-settled.js';
import { findCondition } from '../../../src/kube/conditions.js';
import { createAppController, type AppController } from '../../../src/controllers/app/app-controller.js';
import { ExitCode, RddError } from '../../../src/base/errors.js';
import { APP, APP_NAME } from '../../../src/kube/resources.js';
import { silentLogger } from '../../../src/base/log.js';
import { instancePaths } from '../../../src/base/paths.js';
import { DriverError, type DriverState, type VmDriver } from '../../../src/vm/driver.js';
import { rejectionOf } from '../../support/rejection.js';

/**
 * Failure paths through the driver seam: a driver whose start fails, or
 * whose engine crashes for good, against the real API server. `rdd set`'s
 * wait (waitForSettled) must fail promptly on them, never run into its deadline.
 */
class ScriptedDriver implements VmDriver {
  readonly name = 'native' as const;
  phase: DriverState = { phase: 'absent' };
  startError?: string;
  private readonly listeners = new Set<(s: DriverState) => void>();

  async start(): Promise<void> {
    if (this.startError) throw new DriverError(this.startError, 'native');
    this.phase = { phase: 'running', engine: 'moby' };
  }
  async stop(): Promise<void> {
    this.phase = { phase: 'stopped' };
  }
  async remove(): Promise<void> {
    this.phase = { phase: 'absent' };
  }
  async state(): Promise<DriverState> {
    return this.phase;
  }
  onStateChange(listener: (s: DriverState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async dispose(): Promise<void> {}
  /** A state change notification without a change: makes the controller reconcile (retry) now. */
  poke(): void {
    for (const l of this.listeners) l(this.phase);
  }
  crash(message: string): void {
    this.phase = { phase: 'crashed', message };
    for (const l of this.listeners) l(this.phase);
  }
}

type TestServer = Awaited<ReturnType<typeof startTestApiServer>>;
let server: TestServer;
let controller: AppController;
const driver = new ScriptedDriver();
const paths = instancePaths('ifail', { env: { HOME: '/nonexistent-home' } });
const wait = (generation: number, timeoutMs = 60_000, failureGraceMs = 500) =>
  waitForSettled(server.client, {
    generation,
    deadline: Date.now() + timeoutMs,
    timeoutText: `${timeoutMs}ms`,
    logDir: '/the/log/dir',
    log: silentLogger,
    onProgress: () => undefined,
    failureGraceMs,
  });
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
    { createDriver: async () => driver, dockerConfigDir: '/nonexistent-home/.docker', backoff: () => 60_000 },
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

  it('a StartFailed that a retry heals within the grace does not fail the wait', async () => {
    driver.startError = 'iptables: No chain/target/match by that name';
    const app = await applied({ vm: { cpus: 2 } });
    const generation = app.metadata.generation ?? 0;
    // Unhealed, the failure would end the wait at 2 s; healed, it runs into its 6 s deadline.
    const waiting = wait(generation, 6_000, 2_000);
    await vi.waitFor(async () => {
      const now = await server.client.get<AppObject>(APP, APP_NAME);
      expect(findCondition(now.status?.conditions, 'Running')).toMatchObject({ reason: 'StartFailed', observedGeneration: generation });
    }, { timeout: 30_000, interval: 50 });
    driver.startError = undefined;
    driver.poke();
    await expect(waiting).rejects.toThrow(/timed out/); // nothing writes ContainerEngineReady here
    const now = await server.client.get<AppObject>(APP, APP_NAME);
    expect(findCondition(now.status?.conditions, 'Running')).toMatchObject({ status: 'True', observedGeneration: generation });
  });

  it('a new generation retries; a give-up crash fails the wait with Crashed', async () => {
    driver.startError = undefined;
    const app = await applied({ vm: { cpus: 3 } });
    const generation = app.metadata.generation ?? 0;
    await vi.waitFor(async () => {
      const now = await server.client.get<AppObject>(APP, APP_NAME);
      expect(findCondition(now.status?.conditions, 'Running')).toMatchObject({ status: 'True', reason: 'Started', observedGeneration: generation });
    }, { timeout: 30_000, interval: 50 });
    driver.crash('dockerd died 5 times within 60s; not restarting it');
    const err = await rejection(wait(generation));
    expect(err.message).toContain('Crashed: dockerd died 5 times');
  });

  it('a wait that cannot settle in time is a timeout (exit 4) saying what blocked it', async () => {
    driver.phase = { phase: 'stopped' };
    const app = await applied({ running: false });
    // Nothing writes ContainerEngineReady here, so Settled stays False.
    const err = await rejection(wait(app.metadata.generation ?? 0, 1500));
    expect(err.exitCode).toBe(ExitCode.Timeout);
    expect(err.message).toMatch(/timed out after 1500ms waiting for App "app" to settle at generation \d+ \(last: .*ContainerEngineReady/);
  });
});
