import type { ChildProcess } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Progress } from '../base/progress.js';
import type { InstancePaths } from '../base/paths.js';
import { RddError, TimeoutError } from '../base/errors.js';
import { formatDuration } from '../base/duration.js';
import { daemonLogFile, lastDaemonError } from './log-file.js';
import { readPidRecord, runningDaemon } from './pidfile.js';
import { probeReady } from './readiness.js';

export interface WaitReadyOptions {
  /** 0 waits forever. */
  timeoutMs: number;
  /** The daemon this process just spawned: its early exit ends the wait at once. */
  child?: ChildProcess;
  /** Where the daemon log ended when `child` was spawned: the error it reports is read from there on. */
  childLogStart?: number;
  /** The daemon that was running already: its exit ends the wait with a DaemonGoneError. */
  pid?: number;
  progress?: Progress;
}

const POLL_MS = 200;
const LOCK_POLL_MS = 20;
/** Node's start-up on a loaded 2-core machine takes well under a second; this only bounds a wedged one. */
const LOCK_WAIT_MS = 30_000;

/** The daemon waited for ended without another taking its place: `startService` starts a new one. */
export class DaemonGoneError extends RddError {
  constructor(paths: InstancePaths, pid: number) {
    super(`rdd daemon for instance ${paths.instance} (pid ${pid}) exited before its API was ready`, {
      suggestion: `see ${daemonLogFile(paths)}`,
    });
    this.name = 'DaemonGoneError';
  }
}

/**
 * Why the daemon waited for is gone, if it is gone and no other daemon took
 * its place: the one this process spawned (`child`), or the one already
 * running when it looked (`pid`), which may have been stopping or killed.
 */
function daemonGone(paths: InstancePaths, daemon: { child?: ChildProcess; childLogStart?: number; pid?: number }): RddError | undefined {
  const { child } = daemon;
  const childAlive = child !== undefined && child.exitCode === null && child.signalCode === null;
  if (childAlive) return undefined;
  // A child that lost the pidfile race to another daemon exits; the winner is still worth waiting for.
  if (runningDaemon(paths)) return undefined;
  if (!child) return daemon.pid === undefined ? undefined : new DaemonGoneError(paths, daemon.pid);
  const how = child.exitCode !== null ? `exited with code ${child.exitCode}` : `was killed by ${child.signalCode}`;
  // Its own last word (a damaged store and the command that sets it aside), not only where to look for it.
  const reported = lastDaemonError(paths, daemon.childLogStart ?? 0);
  const see = `see ${daemonLogFile(paths)}`;
  return new RddError(`rdd daemon for instance ${paths.instance} ${how} before its API was ready${reported ? `: ${reported.message}` : ''}`, {
    suggestion: reported?.hint ? `${reported.hint}; ${see}` : see,
  });
}

/**
 * Waits until the daemon just spawned holds its pidfile lock, or is gone.
 * From then on `svc status` sees it and `svc stop`/`svc delete` stop it, so
 * this is not cut short by `--wait=false` or a short `--timeout`: a `svc start`
 * that returned before would let an immediate `svc delete` miss the daemon.
 */
export async function waitUntilLocked(paths: InstancePaths, child: ChildProcess, childLogStart: number): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    if (readPidRecord(paths.pidFile)?.pid === child.pid) return;
    const exit = daemonGone(paths, { child, childLogStart });
    if (exit) throw exit;
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (Date.now() >= deadline) {
      throw new TimeoutError(
        `rdd daemon for instance ${paths.instance} (pid ${child.pid}) did not take its lock ${paths.pidFile} within ${formatDuration(LOCK_WAIT_MS)}`,
        { suggestion: `see ${daemonLogFile(paths)}` },
      );
    }
    await sleep(LOCK_POLL_MS);
  }
}

/**
 * Resolves at the next write to the daemon's log, or after `ms`: the daemon
 * logs each step of its start-up ("API server listening" is the one that
 * makes /readyz answer), so a probe right after each write is not late, and
 * the timer covers a quiet log level or a log that is not there yet.
 */
function logActivity(file: string): { next(ms: number): Promise<void>; close(): void } {
  let wake: (() => void) | undefined;
  // A write during a probe counts for the next wait.
  let written = false;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(file, { persistent: false }, () => {
      written = true;
      wake?.();
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    watcher = undefined;
  }
  return {
    next: (ms) =>
      new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          wake = undefined;
          written = false;
          resolve();
        };
        const timer = setTimeout(done, written ? 0 : ms);
        wake = done;
      }),
    close: () => watcher?.close(),
  };
}

/** Probes the daemon's /readyz (authenticated) whenever its log moves, at least every POLL_MS, until it answers 200; returns the API URL. */
export async function waitUntilReady(paths: InstancePaths, options: WaitReadyOptions): Promise<string> {
  const deadline = options.timeoutMs > 0 ? Date.now() + options.timeoutMs : Infinity;
  const logFile = daemonLogFile(paths);
  const activity = logActivity(logFile);
  try {
    for (;;) {
      const probe = await probeReady(paths);
      if (probe.ready && probe.url) return probe.url;
      options.progress?.update(`waiting for the rdd daemon of instance ${paths.instance} (${probe.detail})`);
      const exit = daemonGone(paths, options);
      if (exit) throw exit;
      if (Date.now() >= deadline) {
        throw new TimeoutError(
          `rdd daemon for instance ${paths.instance} not ready after ${formatDuration(options.timeoutMs)} (${probe.detail})`,
          { suggestion: `see ${logFile}` },
        );
      }
      await activity.next(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
    }
  } finally {
    activity.close();
  }
}
