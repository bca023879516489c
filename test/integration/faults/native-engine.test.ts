import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../src/engine/base/log.js';
import type { InstancePaths } from '../../../src/engine/base/paths.js';
import { processArgv, readPidFile, signalProcess } from '../../../src/engine/vm/native/engine-process.js';
import type { CrashPolicyOptions } from '../../../src/engine/vm/native/crash-policy.js';
import { NativeDriver } from '../../../src/engine/vm/native/native-driver.js';
import { nativeInstance, type NativeInstance } from '../../support/native-instance.js';

/*
 * Faults of the native engine, with the real dockerd: containers survive an
 * engine crash (live-restore), and nothing of the instance's containers stays
 * behind once the engine is stopped or given up on.
 */

let sandbox: NativeInstance;
let paths: InstancePaths;
const drivers: NativeDriver[] = [];
const WAIT = { timeout: 60_000, interval: 100 };

function driver(crashPolicy: CrashPolicyOptions = { baseDelayMs: 100 }): NativeDriver {
  const d = new NativeDriver({ paths, log: silentLogger }, { livenessIntervalMs: 100, stopGraceMs: 15_000, crashPolicy });
  drivers.push(d);
  return d;
}

const docker = (...args: string[]) => sandbox.docker(...args);

/** Processes whose argv mentions this instance's exec-root: shims, containerd, and what they run. */
function instanceProcesses(): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const argv = processArgv(pid);
    if (argv?.some((a) => a.includes(paths.dockerExecRoot))) found.push(`${pid} ${argv.join(' ')}`);
  }
  return found;
}

/** The host PID of a container's main process, from the engine. */
const containerPid = async (id: string) => Number(await docker('inspect', '--format', '{{.State.Pid}}', id));
const alive = (pid: number) => processArgv(pid) !== undefined;

beforeAll(async () => {
  sandbox = await nativeInstance('rdd-faults', 'flt');
  paths = sandbox.paths;
});

afterAll(async () => {
  for (const d of drivers) await d.dispose();
  await sandbox?.cleanUp();
});

describe('fault: engine crash stops every container', () => {
  it('a SIGKILLed dockerd comes back with the same containers still running', async () => {
    const d = driver();
    await d.start({ engine: 'moby' });
    await docker('pull', 'busybox');
    const id = await docker('run', '-d', '--name', 'keeps-running', 'busybox', 'sleep', '3600');
    const pid = await containerPid(id);
    const dockerd = readPidFile(paths.dockerPidFile)!;
    signalProcess(dockerd, 'SIGKILL');
    await vi.waitFor(async () => expect(readPidFile(paths.dockerPidFile)).not.toBe(dockerd), WAIT);
    await vi.waitFor(async () => expect(await d.state()).toEqual({ phase: 'running', engine: 'moby' }), WAIT);
    expect(alive(pid)).toBe(true);
    expect(await docker('inspect', '--format', '{{.State.Status}} {{.State.Pid}}', id)).toBe(`running ${pid}`);
    // Hand the engine to the next test's driver, as a daemon restart would.
    await d.dispose();
  });
});

describe('fault: leftovers', () => {
  it('stopping the engine stops its containers: no container, shim or containerd process of the instance remains', async () => {
    const d = driver();
    await d.start({ engine: 'moby' });
    const id = await docker('run', '-d', 'busybox', 'sleep', '3600');
    const pid = await containerPid(id);
    expect(instanceProcesses().length).toBeGreaterThan(0);
    await d.stop();
    expect(alive(pid)).toBe(false);
    expect(instanceProcesses()).toEqual([]);
  });

  it('an engine given up on after its crash limit leaves no container, shim or containerd behind', async () => {
    const d = driver({ baseDelayMs: 100, maxDeaths: 1 });
    await d.start({ engine: 'moby' });
    const id = await docker('run', '-d', 'busybox', 'sleep', '3600');
    const pid = await containerPid(id);
    signalProcess(readPidFile(paths.dockerPidFile)!, 'SIGKILL');
    await vi.waitFor(async () => expect((await d.state()).phase).toBe('crashed'), WAIT);
    await vi.waitFor(() => expect(alive(pid)).toBe(false), WAIT);
    await vi.waitFor(() => expect(instanceProcesses()).toEqual([]), WAIT);
    // No stale socket or pidfile either: the next start must not trust them.
    // (removed one after the other by the cleanup, so both are waited for)
    await vi.waitFor(() => {
      expect(readdirSync(paths.shortDir)).not.toContain(path.basename(paths.dockerSocket));
      expect(readdirSync(path.dirname(paths.dockerPidFile))).not.toContain(path.basename(paths.dockerPidFile));
    }, WAIT);
  });
});
