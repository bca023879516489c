import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { packageJsonPath } from '../../../../src/engine/base/assets.js';
import { createLogger } from '../../../../src/engine/base/log.js';
import { instancePaths, type InstancePaths } from '../../../../src/engine/base/paths.js';
import { pingDockerSocket } from '../../../../src/engine/vm/docker-ping.js';
import { DriverError, type DriverState } from '../../../../src/engine/vm/driver.js';
import { containerdPaths } from '../../../../src/engine/vm/engine-paths.js';
import { pingContainerd } from '../../../../src/engine/vm/engine-ping.js';
import { processArgv, readPidFile, signalProcess } from '../../../../src/engine/vm/native/engine-process.js';
import { NativeDriver, type NativeDriverOptions } from '../../../../src/engine/vm/native/native-driver.js';

// How the native driver supervises a real engine when things go wrong: a
// restart that fails, a stop or start racing a pending restart, an engine
// that ignores SIGTERM or never answers.

const FAST: NativeDriverOptions = { livenessIntervalMs: 100, stopGraceMs: 15_000, crashPolicy: { baseDelayMs: 100 } };
/** A restart delay long enough for a test to act while it is pending. */
const PENDING: NativeDriverOptions = { ...FAST, crashPolicy: { baseDelayMs: 1_000 } };
const ENGINE_WAIT = { timeout: 60_000, interval: 100 };

let home: string;
let paths: InstancePaths;
const drivers: NativeDriver[] = [];

function driver(options: NativeDriverOptions = FAST) {
  const lines: string[] = [];
  const d = new NativeDriver({ paths, log: createLogger({ level: 'debug', write: (line) => lines.push(line) }) }, options);
  drivers.push(d);
  const states: DriverState[] = [];
  d.onStateChange((s) => states.push(s));
  return { d, lines, states };
}

const dockerdPid = () => readPidFile(paths.dockerPidFile);

/**
 * Starts the engine from another process, as an earlier daemon did, and lets that process end:
 * the engine is then no child of this one, whose driver can only adopt it. Runs the build (dist/).
 */
async function startFromAnotherProcess(engine: 'moby' | 'containerd'): Promise<void> {
  const dist = (file: string) => JSON.stringify(pathToFileURL(path.join(path.dirname(packageJsonPath), 'dist', file)).href);
  const script = `
    const { NativeDriver } = await import(${dist('engine/vm/native/native-driver.js')});
    const { silentLogger } = await import(${dist('engine/base/log.js')});
    const d = new NativeDriver({ paths: ${JSON.stringify(paths)}, log: silentLogger });
    await d.start({ engine: ${JSON.stringify(engine)} });
    await d.dispose();`;
  await execa(process.execPath, ['--input-type=module', '-e', script]);
}

/**
 * Proves a negative over a window: `check` must hold at every poll for `ms`.
 * The window is several times the restart delay the check guards against.
 */
async function holdsFor(ms: number, check: () => void | Promise<void>): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await check();
    await delay(50);
  }
  await check();
}

beforeAll(() => {
  home = mkdtempSync('/tmp/rdd.');
  paths = instancePaths('vms', { home, env: {} });
  mkdirSync(paths.shortDir, { recursive: true });
});

afterAll(async () => {
  for (const d of drivers) await d.dispose();
  const pid = dockerdPid();
  if (pid !== undefined) signalProcess(pid, 'SIGCONT');
  await new NativeDriver({ paths, log: createLogger({ level: 'error', write: () => {} }) }).remove();
  rmSync(home, { recursive: true, force: true });
});

describe('native driver supervision with the real dockerd', () => {
  it('retries a restart that fails with backoff until the crash policy gives up, naming the cause; start recovers', async () => {
    const { d, lines, states } = driver({ ...FAST, crashPolicy: { baseDelayMs: 100, maxDeaths: 3 } });
    await d.start({ engine: 'moby' });
    // From now on every dockerd start fails: the restarts must fail too.
    writeFileSync(paths.daemonJson, JSON.stringify({ 'no-such-option': true }));
    signalProcess(dockerdPid()!, 'SIGKILL');

    await vi.waitFor(() => expect(states.at(-1)?.phase).toBe('crashed'), ENGINE_WAIT);
    expect(states.map((s) => s.phase)).toEqual(['restarting', 'restarting', 'crashed']);
    expect(states.at(-1)).toMatchObject({ message: expect.stringMatching(/^dockerd died 3 times in a row, each within 1s of answering; not restarting it; last lines of .*dockerd\.log:\n[\s\S]*no-such-option/) });
    expect(lines.filter((l) => l.includes('engine restart failed'))).toHaveLength(2);
    expect(await d.state()).toMatchObject({ phase: 'crashed' });

    rmSync(paths.daemonJson);
    await d.start({ engine: 'moby' });
    expect(await d.state()).toEqual({ phase: 'running', engine: 'moby' });
    await d.stop();
  });

  it('stop while a restart is pending leaves the engine stopped', async () => {
    const { d, lines, states } = driver(PENDING);
    await d.start({ engine: 'moby' });
    signalProcess(dockerdPid()!, 'SIGKILL');
    await vi.waitFor(() => expect(states).toEqual([expect.objectContaining({ phase: 'restarting' })]), ENGINE_WAIT);
    const started = lines.filter((l) => l.includes('started engine')).length;

    await d.stop();
    await holdsFor(3_000, async () => {
      expect(dockerdPid()).toBeUndefined();
      expect(lines.filter((l) => l.includes('started engine'))).toHaveLength(started);
      expect(states).toEqual([expect.objectContaining({ phase: 'restarting' })]);
    });
    expect(await pingDockerSocket(paths.dockerSocket)).toBe(false);
    expect(await d.state()).toEqual({ phase: 'stopped' });
  });

  it('start while a restart is pending runs one engine, and the stale restart never fires', async () => {
    const { d, lines, states } = driver(PENDING);
    await d.start({ engine: 'moby' });
    signalProcess(dockerdPid()!, 'SIGKILL');
    await vi.waitFor(() => expect(states).toEqual([expect.objectContaining({ phase: 'restarting' })]), ENGINE_WAIT);

    await d.start({ engine: 'moby' });
    const pid = dockerdPid()!;
    const started = lines.filter((l) => l.includes('started engine')).length;
    await holdsFor(3_000, () => {
      expect(dockerdPid()).toBe(pid);
      expect(processArgv(pid)?.[0]).toMatch(/dockerd$/);
      expect(lines.filter((l) => l.includes('started engine'))).toHaveLength(started);
      expect(states).toEqual([expect.objectContaining({ phase: 'restarting' })]);
    });
    expect(await pingDockerSocket(paths.dockerSocket)).toBe(true);
    // Left running (and unsupervised) for the next test to adopt.
    await d.dispose();
  });

  it('an adopted engine that never answers fails start at the ready timeout; stop escalates SIGTERM to SIGKILL', async () => {
    const pid = dockerdPid()!;
    expect(processArgv(pid)?.[0]).toMatch(/dockerd$/);
    // Frozen: it neither answers pings nor acts on SIGTERM, only SIGKILL ends it.
    signalProcess(pid, 'SIGSTOP');
    const { d, lines } = driver({ ...FAST, readyTimeoutMs: 1_000, stopGraceMs: 1_000 });

    const err = await d.start({ engine: 'moby' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DriverError);
    expect((err as Error).message).toMatch(new RegExp(`^dockerd \\(pid ${pid}\\) did not answer on ${paths.dockerSocket} within 1s`));

    const stopping = Date.now();
    await d.stop();
    expect(Date.now() - stopping).toBeGreaterThanOrEqual(1_000);
    expect(lines.some((l) => l.includes('engine ignored SIGTERM, killing it'))).toBe(true);
    expect(processArgv(pid)).toBeUndefined();
    expect(dockerdPid()).toBeUndefined();
    expect(await d.state()).toEqual({ phase: 'stopped' });
  });
});

describe('native driver supervision with the real containerd', () => {
  it('restarts containerd after a SIGKILL, and it answers again', async () => {
    const { d, states } = driver();
    const c = containerdPaths(paths);
    await d.start({ engine: 'containerd' });
    const before = readPidFile(c.pidFile)!;
    signalProcess(before, 'SIGKILL');

    await vi.waitFor(() => expect(states.at(-1)).toEqual({ phase: 'running', engine: 'containerd' }), ENGINE_WAIT);
    expect(states).toEqual([expect.objectContaining({ phase: 'restarting' }), { phase: 'running', engine: 'containerd' }]);
    const after = readPidFile(c.pidFile)!;
    expect(after).not.toBe(before);
    expect(processArgv(after)?.[0]).toMatch(/containerd$/);
    expect(await pingContainerd(c.socket)).toBe(true);
    const { stdout } = await execa('ctr', ['--address', c.socket, 'version']);
    expect(stdout).toMatch(/Server:/);

    await d.stop();
    expect(await pingContainerd(c.socket)).toBe(false);
  });
});

describe('native driver supervision of an engine an earlier daemon started', () => {
  it.each(['moby', 'containerd'] as const)('%s: adopted, left alone while it runs, restarted after a SIGKILL (seen on its socket)', async (engine) => {
    await startFromAnotherProcess(engine);
    const pidFile = engine === 'moby' ? paths.dockerPidFile : containerdPaths(paths).pidFile;
    const before = readPidFile(pidFile)!;
    const { d, lines, states } = driver();
    await d.start({ engine });
    expect(lines.some((l) => l.includes('adopting running engine'))).toBe(true);
    // The connection held to its socket stays open while it runs: no false death.
    await holdsFor(2_000, () => expect(states).toEqual([]));

    signalProcess(before, 'SIGKILL');
    await vi.waitFor(() => expect(states.at(-1)).toEqual({ phase: 'running', engine }), ENGINE_WAIT);
    expect(states).toEqual([expect.objectContaining({ phase: 'restarting' }), { phase: 'running', engine }]);
    expect(readPidFile(pidFile)).not.toBe(before);
    await d.stop();
  });
});
