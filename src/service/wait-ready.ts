import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Progress } from '../base/progress.js';
import type { InstancePaths } from '../base/paths.js';
import { RddError, TimeoutError } from '../base/errors.js';
import { formatDuration } from '../base/duration.js';
import { daemonLogFile } from './log-file.js';
import { runningDaemon } from './pidfile.js';
import { probeReady } from './readiness.js';

export interface WaitReadyOptions {
  /** 0 waits forever. */
  timeoutMs: number;
  /** The daemon this process just spawned: its early exit ends the wait at once. */
  child?: ChildProcess;
  progress?: Progress;
}

const POLL_MS = 200;

/** Polls the daemon's /readyz (authenticated) until it answers 200; returns the API URL. */
export async function waitUntilReady(paths: InstancePaths, options: WaitReadyOptions): Promise<string> {
  const deadline = options.timeoutMs > 0 ? Date.now() + options.timeoutMs : Infinity;
  const logFile = daemonLogFile(paths);
  for (;;) {
    const probe = await probeReady(paths);
    if (probe.ready && probe.url) return probe.url;
    options.progress?.update(`waiting for the rdd daemon of instance ${paths.instance} (${probe.detail})`);
    const child = options.child;
    // A child that lost the pidfile race to another daemon exits; the winner is still worth waiting for.
    if (child && child.exitCode !== null && !runningDaemon(paths)) {
      throw new RddError(
        `rdd daemon for instance ${paths.instance} exited with code ${child.exitCode} before its API was ready`,
        { suggestion: `see ${logFile}` },
      );
    }
    if (child && child.signalCode !== null && !runningDaemon(paths)) {
      throw new RddError(`rdd daemon for instance ${paths.instance} was killed by ${child.signalCode} before its API was ready`, {
        suggestion: `see ${logFile}`,
      });
    }
    if (Date.now() >= deadline) {
      throw new TimeoutError(
        `rdd daemon for instance ${paths.instance} not ready after ${formatDuration(options.timeoutMs)} (${probe.detail})`,
        { suggestion: `see ${logFile}` },
      );
    }
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
  }
}
