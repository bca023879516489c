import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acquirePidFile,
  DaemonRunningError,
  formatPidRecord,
  ServiceMissingError,
  readPidRecord,
  runningDaemon,
} from '../../../../src/engine/service/pidfile.js';
import { processStartToken } from '../../../../src/engine/service/process-info.js';

let dir: string;
let paths: { pidFile: string; instance: string; dir: string };

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rdd-pid-'));
  paths = { pidFile: path.join(dir, 'rdd.pid'), instance: 't', dir };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A process that exited and was reaped: its PID names nothing (until reused). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('acquirePidFile', () => {
  it('writes pid and start token, and release removes it', () => {
    const lock = acquirePidFile(paths);
    expect(readPidRecord(paths.pidFile)).toEqual({ pid: process.pid, start: processStartToken(process.pid) });
    expect(runningDaemon(paths)?.pid).toBe(process.pid);
    lock.release();
    expect(readPidRecord(paths.pidFile)).toBeUndefined();
  });

  it('refuses while the recorded process is alive', () => {
    const lock = acquirePidFile(paths);
    expect(() => acquirePidFile(paths, process.pid + 1)).toThrow(DaemonRunningError);
    expect(() => acquirePidFile(paths, process.pid + 1)).toThrow(`rdd daemon for instance t already running (pid ${process.pid})`);
    lock.release();
  });

  it('replaces a pidfile whose process is dead', async () => {
    writeFileSync(paths.pidFile, `${await deadPid()}\n`);
    expect(runningDaemon(paths)).toBeUndefined();
    acquirePidFile(paths).release();
  });

  it('replaces a pidfile whose PID was reused by another process (start token differs)', () => {
    writeFileSync(paths.pidFile, formatPidRecord({ pid: process.pid, start: 'not-this-process' }));
    expect(runningDaemon(paths)).toBeUndefined();
    const lock = acquirePidFile(paths);
    expect(readPidRecord(paths.pidFile)?.start).toBe(processStartToken(process.pid));
    lock.release();
  });

  it.each(['', 'garbage\n', '-5\n', '0\n'])('replaces an unreadable pidfile %j', (content) => {
    writeFileSync(paths.pidFile, content);
    expect(readPidRecord(paths.pidFile)).toBeUndefined();
    expect(runningDaemon(paths)).toBeUndefined();
    const lock = acquirePidFile(paths);
    expect(readPidRecord(paths.pidFile)).toEqual({ pid: process.pid, start: processStartToken(process.pid) });
    lock.release();
    expect(existsSync(paths.pidFile)).toBe(false);
  });

  it("release leaves a newer daemon's pidfile alone", () => {
    const lock = acquirePidFile(paths);
    writeFileSync(paths.pidFile, formatPidRecord({ pid: 1, start: processStartToken(1) }));
    lock.release();
    expect(readPidRecord(paths.pidFile)?.pid).toBe(1);
  });

  it('never creates the service dir: a missing one means the service was deleted', () => {
    const gone = { ...paths, dir: path.join(dir, 'gone'), pidFile: path.join(dir, 'gone', 'rdd.pid') };
    expect(() => acquirePidFile(gone)).toThrow(ServiceMissingError);
    expect(() => acquirePidFile(gone)).toThrow(`rdd service for instance t does not exist (no ${gone.dir})`);
    expect(existsSync(gone.dir)).toBe(false);
  });
});
