import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TerminalError } from '../../../../../src/engine/base/errors.js';
import { createLogger } from '../../../../../src/engine/base/log.js';
import { instancePaths } from '../../../../../src/engine/base/paths.js';
import { appAdmission } from '../../../../../src/engine/controllers/app/app-admission.js';
import { createAppController, type AppController } from '../../../../../src/engine/controllers/app/app-controller.js';
import { applyAppSpec } from '../../../../../src/commands/app/apply-spec.js';
import type { AppObject } from '../../../../../src/engine/kube/app.js';
import { findCondition } from '../../../../../src/engine/kube/conditions.js';
import { APP, APP_NAME } from '../../../../../src/engine/kube/resources.js';
import { startTestApiServer, type TestApiServer } from '../../../../support/apiserver.js';
import { FakeDriver } from './fake-driver.js';

/**
 * The one terminal-error rule, through the driver seam against the real API server, with a fast
 * backoff: a TerminalError parks the App at StartFailed until the user asks again; any other error
 * says Starting, retrying, and the backoff alone brings the engine up once the cause passes.
 */
class FlakyDriver extends FakeDriver {
  /** What the next starts throw, in order; none left: the start succeeds. */
  failures: Error[] = [];
  /** Starts of a stopped engine; a start of a running one is a no-op, as in the real drivers, and not counted. */
  starts = 0;

  async start(): Promise<void> {
    if (this.phase.phase === 'running') return;
    this.starts++;
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.phase = { phase: 'running', engine: 'moby' };
  }
}

let server: TestApiServer;
let controller: AppController;
const driver = new FlakyDriver();
/** Failures of the driver factory itself (no usable driver), in order. */
const factoryFailures: Error[] = [];
const RETRY_MS = 100;
/** The controller's log lines: the queue says there whether it retries or parks a failure. */
const logs: string[] = [];
const log = createLogger({ level: 'debug', write: (line) => logs.push(line) });
const retries = () => logs.filter((l) => l.includes(`retrying in ${RETRY_MS} ms`)).length;
const PARKED = 'not retrying until its input changes';

/** Every Running condition the App showed, in order, as `reason: message`. */
const seen: string[] = [];
const running = async (expected: Record<string, unknown>): Promise<AppObject> =>
  vi.waitFor(
    async () => {
      const app = await server.client.get<AppObject>(APP, APP_NAME);
      const condition = findCondition(app.status?.conditions, 'Running');
      if (condition && seen.at(-1) !== `${condition.reason}: ${condition.message}`) seen.push(`${condition.reason}: ${condition.message}`);
      expect(condition).toMatchObject(expected);
      return app;
    },
    { timeout: 30_000, interval: 20 },
  );
const apply = (spec: Record<string, unknown>) => applyAppSpec(server.client, spec, { dryRun: false });

beforeAll(async () => {
  server = await startTestApiServer({ admission: [appAdmission] });
  controller = createAppController(
    { client: server.client, paths: instancePaths('iterm', { env: { HOME: '/nonexistent-home' } }), log },
    {
      createDriver: async () => {
        const failure = factoryFailures.shift();
        if (failure) throw failure;
        return driver;
      },
      dockerConfigDir: '/nonexistent-home/.docker',
      backoff: () => RETRY_MS,
    },
  );
  await controller.start();
});

afterAll(async () => {
  await controller?.stop();
  await server?.stop();
});

describe('the App controller honours TerminalError alone as terminal', () => {
  it('a failure that is no TerminalError says Starting, retrying, and the backoff alone starts the engine once it passes', async () => {
    factoryFailures.push(new Error('cannot load the native driver: EAGAIN'));
    driver.failures.push(new Error('dockerd (pid 42) did not answer within 60s'), new Error('limactl start failed: exit status 1'));
    seen.length = 0;
    const before = retries();
    expect((await apply({ running: true })).kind).toBe('applied');
    await running({ status: 'True', reason: 'Started' });
    // Nobody asked again: each of the three failures was retried by the queue's backoff.
    expect(retries() - before).toBe(3);
    expect(logs.join('\n')).not.toContain(PARKED);
    expect(seen).toContain('Starting: start failed, retrying: dockerd (pid 42) did not answer within 60s');
    expect(seen).toContain('Starting: start failed, retrying: limactl start failed: exit status 1');
    expect(factoryFailures).toHaveLength(0);
    expect(driver.failures).toHaveLength(0);
    expect(driver.starts).toBe(3);
  });

  it('a TerminalError is StartFailed and parked: driver events do not retry it; asking again does', async () => {
    await apply({ running: false });
    await running({ reason: 'Stopped' });
    driver.failures.push(new TerminalError('dockerd is not installed'), new Error('the retry fails once more, retryably'));
    const starts = driver.starts;
    const before = retries();
    await apply({ running: true });
    await running({ status: 'False', reason: 'StartFailed', message: 'dockerd is not installed' });
    await vi.waitFor(() => expect(logs.join('\n')).toContain(PARKED), { timeout: 10_000, interval: 20 });
    // A parked key ignores the driver's events (add): nothing runs, nothing is scheduled.
    for (let i = 0; i < 20; i++) driver.poke();
    expect(retries()).toBe(before);
    expect(driver.starts).toBe(starts + 1);

    // `rdd set running=true` sets the retry annotation: new input. That start fails retryably and is run again.
    await apply({ running: true });
    await running({ status: 'True', reason: 'Started' });
    expect(driver.starts).toBe(starts + 3);
  });

  it('a TerminalError from the driver factory (no usable driver) is StartFailed and parked too', async () => {
    factoryFailures.push(new TerminalError('limactl is not installed'));
    const parkedBefore = logs.filter((l) => l.includes(PARKED)).length;
    // A new vm.driver makes a new driver: the factory fails for good.
    await apply({ vm: { driver: 'lima' } });
    await running({ status: 'False', reason: 'StartFailed', message: 'limactl is not installed' });
    await vi.waitFor(() => expect(logs.filter((l) => l.includes(PARKED)).length).toBe(parkedBefore + 1), { timeout: 10_000, interval: 20 });
  });
});
