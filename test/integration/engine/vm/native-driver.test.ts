import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DriverState } from '../../../../src/engine/vm/driver.js';
import { DriverConfigError } from '../../../../src/engine/vm/driver.js';
import { bridgeName } from '../../../../src/engine/vm/native/bridge.js';
import { containerdPaths } from '../../../../src/engine/vm/engine-paths.js';
import { pingDockerSocket as pingDocker } from '../../../../src/engine/vm/docker-ping.js';
import { pingContainerd } from '../../../../src/engine/vm/engine-ping.js';
import { processArgv, readPidFile, signalProcess } from '../../../../src/engine/vm/native/engine-process.js';
import { mountsUnder } from '../../../../src/engine/vm/native/mounts.js';
import { NativeDriver, type NativeDriverOptions } from '../../../../src/engine/vm/native/native-driver.js';
import { silentLogger } from '../../../../src/engine/base/log.js';
import { instancePaths, type InstancePaths } from '../../../../src/engine/base/paths.js';

// Fast supervision so a restart takes ~a second, not the production backoff.
const FAST: NativeDriverOptions = { livenessIntervalMs: 100, stopGraceMs: 15_000, crashPolicy: { baseDelayMs: 100 } };

let home: string;
let paths: InstancePaths;
const drivers: NativeDriver[] = [];

function driver(options: NativeDriverOptions = FAST): NativeDriver {
  const d = new NativeDriver({ paths, log: silentLogger }, options);
  drivers.push(d);
  return d;
}

function docker(...args: string[]) {
  return execa('docker', ['--host', `unix://${paths.dockerSocket}`, ...args], { env: { DOCKER_CONFIG: home } });
}

function recordStates(d: NativeDriver): DriverState[] {
  const states: DriverState[] = [];
  d.onStateChange((s) => states.push(s));
  return states;
}

/** Session id, field 6 of /proc/<pid>/stat (after the parenthesised command). */
function sessionOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
}

async function bridgeExists(): Promise<boolean> {
  const { exitCode } = await execa('ip', ['link', 'show', bridgeName(paths.shortDir)], { reject: false });
  return exitCode === 0;
}

beforeAll(() => {
  home = mkdtempSync('/tmp/rdd.');
  paths = instancePaths('vmt', { home, env: {} });
  mkdirSync(paths.shortDir, { recursive: true });
});

afterAll(async () => {
  for (const d of drivers) await d.dispose();
  // remove() stops both engines (by their pidfiles) and deletes the bridge.
  await new NativeDriver({ paths, log: silentLogger }).remove();
  rmSync(home, { recursive: true, force: true });
});

describe('native driver with the real dockerd', () => {
  it('starts dockerd on the instance socket with the instance bridge and daemon.json', async () => {
    writeFileSync(paths.daemonJson, JSON.stringify({ labels: ['rdd-test=native'] }));
    const d = driver();
    await d.start({ engine: 'moby' });

    expect(await pingDocker(paths.dockerSocket)).toBe(true);
    const { stdout } = await docker('info', '--format', '{{json .Labels}}');
    expect(JSON.parse(stdout)).toContain('rdd-test=native');
    await docker('volume', 'create', 'rdd-native-test');
    expect(await bridgeExists()).toBe(true);
    expect(await d.state()).toEqual({ phase: 'running', engine: 'moby' });
    // Detached into its own session, so a SIGKILLed rdd daemon (or its process group) leaves it running.
    const pid = readPidFile(paths.dockerPidFile) as number;
    expect(sessionOf(pid)).toBe(pid);
    expect(readFileSync(path.join(paths.logDir, 'dockerd.log'), 'utf8')).toMatch(/API listen on/);
    // start on a running engine is a no-op
    await d.start({ engine: 'moby' });
    expect(readPidFile(paths.dockerPidFile)).toBe(pid);
  });

  it('restarts dockerd after a SIGKILL and keeps its data', async () => {
    const d = drivers[0];
    const states = recordStates(d);
    const before = readPidFile(paths.dockerPidFile) as number;
    signalProcess(before, 'SIGKILL');

    await vi.waitFor(() => expect(states.at(-1)).toEqual({ phase: 'running', engine: 'moby' }), { timeout: 60_000, interval: 200 });
    expect(states[0]).toEqual({ phase: 'restarting', message: 'dockerd exited (crash 1 in a row); restarting it in 0.1s' });
    const after = readPidFile(paths.dockerPidFile);
    expect(after).not.toBe(before);
    expect(await pingDocker(paths.dockerSocket)).toBe(true);
    const { stdout } = await docker('volume', 'ls', '-q');
    expect(stdout.split('\n')).toContain('rdd-native-test');
  });

  it('a new driver adopts the running dockerd through the pidfile instead of starting another', async () => {
    const pid = readPidFile(paths.dockerPidFile);
    await drivers[0].dispose();
    const adopter = driver();
    await adopter.start({ engine: 'moby' });
    expect(readPidFile(paths.dockerPidFile)).toBe(pid);
    expect(await adopter.state()).toEqual({ phase: 'running', engine: 'moby' });
  });

  it('supervises an adopted dockerd too', async () => {
    const adopter = drivers[1];
    const states = recordStates(adopter);
    signalProcess(readPidFile(paths.dockerPidFile) as number, 'SIGKILL');
    await vi.waitFor(() => expect(states.at(-1)).toEqual({ phase: 'running', engine: 'moby' }), { timeout: 60_000, interval: 200 });
  });

  it('stops: dockerd and its containerd are gone, the socket and the data-root mount removed', async () => {
    const d = drivers[1];
    const pid = readPidFile(paths.dockerPidFile) as number;
    const managed = readPidFile(path.join(paths.dockerExecRoot, 'containerd', 'containerd.pid')) as number;
    expect(processArgv(managed)?.[0]).toMatch(/containerd$/);
    await d.stop();
    expect(processArgv(pid)).toBeUndefined();
    expect(processArgv(managed)).toBeUndefined();
    expect(mountsUnder(readFileSync('/proc/self/mountinfo', 'utf8'), paths.dockerDataRoot)).toEqual([]);
    expect(await pingDocker(paths.dockerSocket)).toBe(false);
    expect(readPidFile(paths.dockerPidFile)).toBeUndefined();
    expect(await d.state()).toEqual({ phase: 'stopped' });
    await d.stop(); // idempotent
  });

  it('refuses a daemon.json that sets what rdd sets, naming the key', async () => {
    writeFileSync(paths.daemonJson, JSON.stringify({ 'data-root': '/elsewhere' }));
    const err = await driver().start({ engine: 'moby' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DriverConfigError);
    expect((err as Error).message).toMatch(/daemon\.json .* sets "data-root", which rdd sets itself/);
    rmSync(paths.daemonJson);
  });

  it('fails with the tail of the dockerd log when dockerd exits while starting', async () => {
    writeFileSync(paths.daemonJson, JSON.stringify({ 'no-such-option': true }));
    const err = await driver().start({ engine: 'moby' }).catch((e: unknown) => e);
    rmSync(paths.daemonJson);
    expect(err).toBeInstanceOf(DriverConfigError);
    expect((err as Error).message).toMatch(/^dockerd exited while starting; last lines of .*dockerd\.log:\n[\s\S]*no-such-option/);
  });
});

describe('native driver with the real containerd', () => {
  it('starts containerd on its own socket, reports crashes once it gives up, and stops', async () => {
    const d = driver({ ...FAST, crashPolicy: { maxDeaths: 1 } });
    await d.start({ engine: 'containerd' });
    const c = containerdPaths(paths);
    expect(await pingContainerd(c.socket)).toBe(true);
    const { stdout } = await execa('ctr', ['--address', c.socket, 'version']);
    expect(stdout).toMatch(/Server:/);
    expect(await d.state()).toEqual({ phase: 'running', engine: 'containerd' });

    const states = recordStates(d);
    signalProcess(readPidFile(c.pidFile) as number, 'SIGKILL');
    await vi.waitFor(() => expect(states.at(-1)?.phase).toBe('crashed'), { timeout: 30_000, interval: 100 });
    expect(states.at(-1)).toMatchObject({ message: expect.stringMatching(/containerd died 1 times in a row/) });
    expect(await d.state()).toMatchObject({ phase: 'crashed' });

    await d.stop();
    expect(await d.state()).toEqual({ phase: 'stopped' });
    expect(await pingContainerd(c.socket)).toBe(false);
  });

  it('remove() deletes engine data and the bridge', async () => {
    const d = driver();
    await d.remove();
    expect(await d.state()).toEqual({ phase: 'absent' });
    expect(await bridgeExists()).toBe(false);
  });
});
