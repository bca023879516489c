import { readdirSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../base/log.js';
import type { InstancePaths } from '../base/paths.js';
import { RddError, TimeoutError, errorMessage } from '../base/errors.js';
import { startService } from './lifecycle.js';
import { acquirePidFile, DaemonRunningError, readPidRecord, ServiceMissingError, type PidFileLock } from './pidfile.js';
import { isProcessAlive, processCommandLine } from './process-info.js';
import { stopService, type StopOptions } from './stop.js';

/** The native engine of this instance, if one is running (its argv names its pidfile). */
function runningEnginePid(paths: InstancePaths): number | undefined {
  const record = readPidRecord(paths.dockerPidFile);
  if (!record || !isProcessAlive(record.pid)) return undefined;
  return processCommandLine(record.pid)?.includes(paths.dockerPidFile) ? record.pid : undefined;
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * A log dir inside the service dir goes with it. One set by RDD_LOGS_DIR may be
 * shared with other things, so only our *.log files (and the dir, if that
 * leaves it empty) are removed there.
 */
function removeLogs(paths: InstancePaths): void {
  if (isInside(paths.logDir, paths.dir)) return;
  let names: string[];
  try {
    names = readdirSync(paths.logDir);
  } catch {
    return;
  }
  for (const name of names) if (name.endsWith('.log')) rmSync(path.join(paths.logDir, name), { force: true });
  try {
    rmdirSync(paths.logDir);
  } catch {
    // not empty: someone else's files stay
  }
}

/** Stops the daemon; a deadline that passes fails the delete (exit 4) before anything is removed, so it can be retried. */
async function stopBeforeDelete(paths: InstancePaths, log: Logger, options: StopOptions): Promise<{ pid?: number }> {
  try {
    return await stopService(paths, log, options);
  } catch (err) {
    if (!(err instanceof TimeoutError)) throw err;
    throw new TimeoutError(`${err.message}; not deleting ${paths.dir}`, {
      cause: err,
      suggestion: 'run `rdd svc delete` again; a longer --timeout lets the daemon stop its engine first',
    });
  }
}

/**
 * Takes the daemon's pidfile lock for this process, stopping any daemon that
 * started meanwhile (a `svc start` racing the delete): while the dirs are
 * removed no daemon can start, and one that tries finds them gone and exits
 * having written nothing. Undefined when the service dir does not exist.
 */
async function lockOutDaemons(paths: InstancePaths, log: Logger, options: StopOptions): Promise<PidFileLock | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return acquirePidFile(paths);
    } catch (err) {
      if (err instanceof ServiceMissingError) return undefined;
      if (!(err instanceof DaemonRunningError) || attempt >= 3) throw err;
      log.info('a daemon started during the delete; stopping it', { pid: err.pid });
      await stopBeforeDelete(paths, log, options);
    }
  }
}

/**
 * `svc delete`: stops the daemon (its graceful shutdown stops the engine),
 * then, holding the daemon's lock, removes exactly the service dir, the short
 * dir and the logs. A stop that misses its deadline removes nothing.
 */
export async function deleteService(paths: InstancePaths, log: Logger, options: StopOptions): Promise<{ stoppedPid?: number }> {
  const { pid } = await stopBeforeDelete(paths, log, options);
  await stopEngineWithoutDaemon(paths, log, options);
  const lock = await lockOutDaemons(paths, log, options);
  try {
    // A daemon stopped only by SIGTERM may have left its engine behind.
    assertNoEngine(paths);
    await removeBridgeQuietly(paths, log);
    for (const dir of [paths.dir, paths.shortDir]) rmSync(dir, { recursive: true, force: true });
    removeLogs(paths);
  } finally {
    lock?.release();
  }
  return { stoppedPid: pid };
}

/** An engine left by a daemon that died: a new daemon adopts it, and its graceful stop stops it. */
async function stopEngineWithoutDaemon(paths: InstancePaths, log: Logger, options: StopOptions): Promise<void> {
  const engine = runningEnginePid(paths);
  if (engine === undefined) return;
  log.info('engine still running without a daemon; starting the daemon to stop it', { pid: engine });
  options.progress?.update(`stopping the engine of instance ${paths.instance} (pid ${engine})`);
  try {
    await startService(paths, log, { timeoutMs: options.timeoutMs, logLevel: log.level });
    await stopService(paths, log, options);
  } catch (err) {
    // A daemon that cannot start (a damaged store) cannot stop its engine: the delete does, as `kill` would.
    log.warn('could not start the daemon to stop the engine; stopping the engine directly', { pid: engine, error: errorMessage(err) });
    await stopEngineDirectly(engine, options.timeoutMs);
  }
}

/** SIGTERM (dockerd stops its containers and exits), SIGKILL after the grace period; resolves once the process is gone or 2 s after the SIGKILL. */
async function stopEngineDirectly(pid: number, graceMs: number): Promise<void> {
  const gone = async (withinMs: number) => {
    for (const deadline = Date.now() + withinMs; Date.now() < deadline; await sleep(ENGINE_EXIT_POLL_MS)) {
      if (!isProcessAlive(pid)) return true;
    }
    return !isProcessAlive(pid);
  };
  signal(pid, 'SIGTERM');
  if (await gone(graceMs)) return;
  signal(pid, 'SIGKILL');
  await gone(2_000);
}

const ENGINE_EXIT_POLL_MS = 100;

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

function assertNoEngine(paths: InstancePaths): void {
  const still = runningEnginePid(paths);
  if (still !== undefined) {
    throw new RddError(`engine of instance ${paths.instance} (pid ${still}) is still running; not deleting ${paths.dir}`, {
      // Not `rdd stop`: it needs a daemon, and the delete already tried to start one.
      suggestion: `stop it with \`kill ${still}\` (\`kill -9 ${still}\` if it does not exit), then run \`rdd svc delete\` again`,
    });
  }
}

/** The instance's Linux bridge and its firewall rules are named after the short dir about to vanish; nobody else would remove them. */
async function removeBridgeQuietly(paths: InstancePaths, log: Logger): Promise<void> {
  if (process.platform !== 'linux') return;
  try {
    const { removeBridge } = await import('../vm/native/bridge.js');
    await removeBridge(paths.shortDir);
  } catch (err) {
    log.warn('bridge or its firewall rules not removed', { error: errorMessage(err) });
  }
}
