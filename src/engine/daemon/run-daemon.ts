import type { LogFormat, LogLevel } from '../base/log.js';
import { errorMessage } from '../base/errors.js';
import type { InstancePaths } from '../base/paths.js';
import { openDaemonLog } from './daemon-log.js';
import { tuneJitForBursts } from './jit-tiering.js';
import { acquirePidFile } from '../service/pidfile.js';
import { startDaemon, type Daemon } from './serve.js';

/** How the daemon logs. */
export interface DaemonOptions {
  level: LogLevel;
  format: LogFormat;
  /** Copy log lines to stderr too (a foreground `svc serve` in a terminal). */
  echo: boolean;
}

/**
 * `rdd svc serve`: runs the daemon until SIGINT/SIGTERM, then shuts it down
 * gracefully; a second signal during shutdown exits at once. SIGUSR2 writes a
 * Node diagnostic report into the log dir (the support bundle asks for one).
 * Resolves with the process exit code.
 *
 * The pidfile lock comes first, before the log or anything else is written:
 * from then on `svc status` sees the daemon and `svc stop`/`svc delete` stop
 * it, even while it is still starting; and a daemon that finds the service
 * deleted, or another daemon running, exits having written nothing.
 */
export async function runDaemon(paths: InstancePaths, options: DaemonOptions): Promise<number> {
  tuneJitForBursts();
  const lock = acquirePidFile(paths);
  let daemonLog;
  try {
    daemonLog = openDaemonLog(paths, options);
  } catch (err) {
    lock.release();
    throw err;
  }
  const { log, close } = daemonLog;
  log.info('rdd daemon starting', { instance: paths.instance, pid: process.pid, node: process.version });

  const onReport = () => {
    process.report.directory = paths.logDir;
    const file = process.report.writeReport();
    log.info('diagnostic report written', { file });
  };
  process.on('SIGUSR2', onReport);

  let resolveCode!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (resolveCode = resolve));
  let daemon: Daemon | undefined;
  let shuttingDown = false;
  const shutDown = (running: Daemon) =>
    running.stop().then(
      () => resolveCode(0),
      (err: unknown) => {
        log.error('shutdown failed', { error: errorMessage(err) });
        lock.release();
        resolveCode(1);
      },
    );
  // Handled from the start: a signal while starting shuts down right after the start.
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      log.warn('second signal during shutdown: exiting now', { signal });
      lock.release();
      resolveCode(1);
      return;
    }
    shuttingDown = true;
    log.info('shutting down', { signal });
    if (daemon) void shutDown(daemon);
  };
  const onCrash = (err: unknown) => {
    log.error('uncaught exception: exiting; the next daemon adopts the engine', {
      error: err instanceof Error ? err : errorMessage(err),
    });
    lock.release();
    resolveCode(1);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', (reason) => log.error('unhandled promise rejection', { error: errorMessage(reason) }));

  const started = startDaemon(paths, log, lock).then((running) => {
    daemon = running;
    log.info('rdd daemon ready', { url: running.url });
    if (shuttingDown) void shutDown(running);
  });
  try {
    // A second signal (or a crash) while starting ends the wait without the start finishing.
    await Promise.race([started, exited]);
  } catch (err) {
    log.error('rdd daemon failed to start', { error: err instanceof Error ? err : errorMessage(err) });
    process.off('SIGUSR2', onReport);
    close();
    throw err;
  }
  const code = await exited;
  log.info('rdd daemon stopped', { code });
  close();
  return code;
}
