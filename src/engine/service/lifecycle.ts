import { assertFreeSpace } from './write-failure.js';
import { existsSync } from 'node:fs';
import type { Progress } from '../base/progress.js';
import type { Logger, LogSettings } from '../base/log.js';
import type { InstancePaths } from '../base/paths.js';
import { createService } from './create.js';
import { daemonLogSize } from './log-file.js';
import { runningDaemon } from './pidfile.js';
import { spawnDaemon, type SpawnOptions } from './spawn-daemon.js';
import { DaemonGoneError, waitUntilLocked, waitUntilReady } from './wait-ready.js';

export interface StartOptions extends SpawnOptions {
  /** Wait for /readyz; 0 waits forever. */
  timeoutMs: number;
  /** Default true. */
  wait?: boolean;
  progress?: Progress;
}

export interface StartResult {
  pid: number;
  /** A daemon was running already; none was started. */
  alreadyRunning: boolean;
  /** Set when waited for. */
  url?: string;
}

/** Whether this instance's daemon process is alive (it may still be starting up). */
export async function isServiceRunning(paths: InstancePaths): Promise<boolean> {
  return runningDaemon(paths) !== undefined;
}

/**
 * `svc start`: creates the service if needed and starts `svc serve` in the
 * background, unless a daemon already runs; then (by default) waits for its API.
 */
export async function startService(paths: InstancePaths, log: Logger, options: StartOptions): Promise<StartResult> {
  const wait = options.wait ?? true;
  const running = runningDaemon(paths);
  // Time already spent waiting on a daemon that went away: one --timeout covers both waits.
  let waited = 0;
  if (running) {
    const since = Date.now();
    try {
      const url = wait ? await waitUntilReady(paths, { ...options, pid: running.pid }) : undefined;
      return { pid: running.pid, alreadyRunning: true, url };
    } catch (err) {
      // It was on its way out (stopped, killed, crashed) as this start came: start another.
      if (!(err instanceof DaemonGoneError)) throw err;
      waited = Date.now() - since;
      log.debug('the running daemon exited while waited for; starting a new one', { instance: paths.instance, pid: running.pid });
    }
  }
  assertFreeSpace(paths.dir, `start the rdd daemon of instance ${paths.instance}`);
  // createService is idempotent; say "creating" only when there is something to create.
  if (!existsSync(paths.config)) options.progress?.update(`creating the rdd service for instance ${paths.instance}`);
  await createService(paths, log, { logging: { level: options.logLevel, format: options.logFormat } });
  options.progress?.update(`starting the rdd daemon for instance ${paths.instance}`);
  const childLogStart = daemonLogSize(paths);
  const child = spawnDaemon(paths, options);
  log.debug('daemon spawned', { instance: paths.instance, pid: child.pid });
  await waitUntilLocked(paths, child, childLogStart);
  const timeoutMs = options.timeoutMs > 0 ? Math.max(1, options.timeoutMs - waited) : 0;
  const url = wait ? await waitUntilReady(paths, { ...options, timeoutMs, child, childLogStart }) : undefined;
  // When two starts race, the other one's daemon may hold the lock: report that one.
  const pid = runningDaemon(paths)?.pid ?? child.pid ?? 0;
  return { pid, alreadyRunning: pid !== child.pid, url };
}

/**
 * For commands that need the API (`rdd set`, `rdd run`): start the daemon if
 * needed and wait until it answers. `logging` holds only what the user gave
 * (flag or env), so the service config's kept level applies otherwise.
 */
export async function ensureServiceRunning(
  paths: InstancePaths,
  log: Logger,
  options: { timeoutMs: number; progress?: Progress; logging?: LogSettings },
): Promise<void> {
  const { logging, ...rest } = options;
  await startService(paths, log, { ...rest, wait: true, logLevel: logging?.level, logFormat: logging?.format });
}
