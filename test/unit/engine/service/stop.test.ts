import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode, TimeoutError } from '../../../../src/engine/base/errors.js';
import { silentLogger } from '../../../../src/engine/base/log.js';
import { instancePaths, type InstancePaths } from '../../../../src/engine/base/paths.js';
import { formatPidRecord } from '../../../../src/engine/service/pidfile.js';
import { processStartToken } from '../../../../src/engine/service/process-info.js';
import { stopService } from '../../../../src/engine/service/stop.js';
import { rejectionOf } from '../../../support/rejection.js';

let home: string;
let paths: InstancePaths;
let child: ChildProcess | undefined;

beforeEach(() => {
  home = mkdtempSync('/tmp/rdd.');
  paths = instancePaths('stop', { env: {}, platform: 'linux', home });
});
afterEach(() => {
  child?.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

/** A stand-in daemon: records its pidfile, reacts to signals as `script` says, reports when it is listening. */
async function fakeDaemon(script: string): Promise<number> {
  child = spawn(process.execPath, ['-e', `${script}; setInterval(() => {}, 1000); console.log('up')`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve) => child!.stdout!.once('data', resolve));
  const pid = child.pid!;
  mkdirSync(path.dirname(paths.pidFile), { recursive: true });
  writeFileSync(paths.pidFile, formatPidRecord({ pid, start: processStartToken(pid) }));
  return pid;
}

describe('stopService', () => {
  it('says nothing ran when there is no daemon', async () => {
    await expect(stopService(paths, silentLogger, { timeoutMs: 100 })).resolves.toEqual({});
  });

  it('stops a daemon with SIGINT and waits until the process is gone', async () => {
    const pid = await fakeDaemon(`process.on('SIGINT', () => process.exit(0))`);
    const exited = new Promise((resolve) => child!.once('exit', (_code, signal) => resolve(signal ?? 'code')));
    await expect(stopService(paths, silentLogger, { timeoutMs: 10_000 })).resolves.toEqual({ pid });
    await expect(exited).resolves.toBe('code');
  });

  it('sends SIGTERM when SIGINT does not stop it within the timeout, and fails with exit 4', async () => {
    const pid = await fakeDaemon(`process.on('SIGINT', () => {})`);
    const exited = new Promise((resolve) => child!.once('exit', (_code, signal) => resolve(signal)));
    const err = await rejectionOf(stopService(paths, silentLogger, { timeoutMs: 200 }), TimeoutError);
    expect(err.exitCode).toBe(ExitCode.Timeout);
    expect(err.message).toBe(`rdd daemon for instance stop (pid ${pid}) did not stop within 200ms; SIGTERM ended it before its shutdown finished`);
    await expect(exited).resolves.toBe('SIGTERM');
  });

  it('holds to a deadline shorter than its polling interval', async () => {
    // The daemon would finish its shutdown 100 ms after SIGINT: within one poll, but well past the deadline.
    await fakeDaemon(`process.on('SIGINT', () => setTimeout(() => process.exit(0), 100))`);
    const exited = new Promise((resolve) => child!.once('exit', (_code, signal) => resolve(signal ?? 'code')));
    await rejectionOf(stopService(paths, silentLogger, { timeoutMs: 1 }), TimeoutError);
    await expect(exited).resolves.toBe('SIGTERM');
  });
});
