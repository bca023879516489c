import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../src/engine/base/log.js';
import { pingDockerSocket } from '../../../src/engine/vm/docker-ping.js';
import type { DriverState } from '../../../src/engine/vm/driver.js';
import { processArgv, readPidFile, signalProcess } from '../../../src/engine/vm/native/engine-process.js';
import { NativeDriver, type NativeDriverOptions } from '../../../src/engine/vm/native/native-driver.js';
import { nativeInstance, type NativeInstance } from '../../support/native-instance.js';

/*
 * Engine liveness (docs/instances.md#engine-liveness), with the real dockerd:
 * an engine that runs but does not answer, or whose socket was removed, is
 * noticed and restarted by the driver, and its containers keep running.
 */

let sandbox: NativeInstance;
const drivers: NativeDriver[] = [];
const WAIT = { timeout: 90_000, interval: 200 };

function driver(options: NativeDriverOptions) {
  const d = new NativeDriver({ paths: sandbox.paths, log: silentLogger }, { stopGraceMs: 15_000, ...options });
  drivers.push(d);
  const states: DriverState[] = [];
  d.onStateChange((s) => states.push(s));
  return { d, states };
}

const docker = (...args: string[]) => sandbox.docker(...args);
const dockerdPid = () => readPidFile(sandbox.paths.dockerPidFile);

beforeAll(async () => {
  sandbox = await nativeInstance('rdd-liveness', 'flv');
});

afterAll(async () => {
  for (const d of drivers) await d.dispose();
  await sandbox?.cleanUp();
});

describe('fault: engine liveness', () => {
  it('a dockerd stopped by SIGSTOP is reported at once and restarted after the 30 s grace; its container keeps running', async () => {
    const { d, states } = driver({ liveness: { probeIntervalMs: 1000, probeTimeoutMs: 1000, hungGraceMs: 30_000 } });
    await d.start({ engine: 'moby' });
    const id = await docker('run', '-d', 'busybox', 'sleep', '3600');
    const frozen = dockerdPid()!;
    const stoppedAt = Date.now();
    signalProcess(frozen, 'SIGSTOP');

    await vi.waitFor(() => expect(states.at(-1)).toEqual({ phase: 'restarting', message: expect.stringMatching(/has not answered on .* for \d+s; it is restarted if it still does not answer after 30s/) }), WAIT);
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    expect((await d.state()).phase).toBe('restarting');

    await vi.waitFor(() => expect(states.at(-1)).toEqual({ phase: 'running', engine: 'moby' }), WAIT);
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(30_000);
    expect(processArgv(frozen)).toBeUndefined();
    expect(dockerdPid()).not.toBe(frozen);
    expect(await docker('inspect', '--format', '{{.State.Status}}', id)).toBe('running');
    await d.dispose();
  }, 180_000);

  it('start() on an engine stopped by SIGSTOP restarts it instead of reporting it running', async () => {
    // Probes far apart: the start, not the supervisor, finds the engine silent.
    const { d } = driver({ liveness: { probeIntervalMs: 600_000, probeTimeoutMs: 1000 } });
    await d.start({ engine: 'moby' });
    const frozen = dockerdPid()!;
    signalProcess(frozen, 'SIGSTOP');
    await d.start({ engine: 'moby' });
    expect(processArgv(frozen)).toBeUndefined();
    expect(dockerdPid()).not.toBe(frozen);
    expect(await pingDockerSocket(sandbox.paths.dockerSocket)).toBe(true);
    await d.dispose();
  }, 180_000);

  it('a removed socket is noticed and the engine restarted, answering on a new socket', async () => {
    const { d, states } = driver({ liveness: { probeIntervalMs: 1000 } });
    await d.start({ engine: 'moby' });
    const before = dockerdPid()!;
    rmSync(sandbox.paths.dockerSocket);
    await vi.waitFor(() => expect(states.at(-1)).toEqual({ phase: 'running', engine: 'moby' }), WAIT);
    expect(states[0]).toEqual({ phase: 'restarting', message: expect.stringMatching(/^the socket .* was removed; restarting it$/) });
    expect(dockerdPid()).not.toBe(before);
    expect(await pingDockerSocket(sandbox.paths.dockerSocket)).toBe(true);
    await d.dispose();
  }, 180_000);

  it('start() on an engine whose socket was removed repairs it', async () => {
    const { d } = driver({ liveness: { probeIntervalMs: 600_000 } });
    await d.start({ engine: 'moby' });
    const before = dockerdPid()!;
    rmSync(sandbox.paths.dockerSocket);
    await d.start({ engine: 'moby' });
    expect(dockerdPid()).not.toBe(before);
    expect(await pingDockerSocket(sandbox.paths.dockerSocket)).toBe(true);
  }, 180_000);
});
