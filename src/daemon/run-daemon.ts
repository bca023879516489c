import type { LogFormat, LogLevel } from '../base/log.js';
import { errorMessage } from '../base/errors.js';
import type { InstancePaths } from '../base/paths.js';
import { openDaemonLog } from './daemon-log.js';
import { startDaemon } from './serve.js';

export interface RunOptions {
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
 */
export async function runDaemon(paths: InstancePaths, options: RunOptions): Promise<number> {
  const { log, close } = openDaemonLog(paths, options);
  log.info('rdd daemon starting', { instance: paths.instance, pid: process.pid, node: process.version });

  const onReport = () => {
    process.report.directory = paths.logDir;
    const file = process.report.writeReport();
    log.info('diagnostic report written', { file });
  };
  process.on('SIGUSR2', onReport);

  let daemon;
  try {
    daemon = await startDaemon(paths, log);
  } catch (err) {
    log.error('rdd daemon failed to start', { error: err instanceof Error ? err : errorMessage(err) });
    process.off('SIGUSR2', onReport);
    close();
    throw err;
  }
  log.info('rdd daemon ready', { url: daemon.url });

  const running = daemon;
  const code = await new Promise<number>((resolve) => {
    let shuttingDown = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (shuttingDown) {
        log.warn('second signal during shutdown: exiting now', { signal });
        running.releaseLock();
        resolve(1);
        return;
      }
      shuttingDown = true;
      log.info('shutting down', { signal });
      running.stop().then(
        () => resolve(0),
        (err: unknown) => {
          log.error('shutdown failed', { error: errorMessage(err) });
          running.releaseLock();
          resolve(1);
        },
      );
    };
    const onCrash = (err: unknown) => {
      log.error('uncaught exception: exiting; the next daemon adopts the engine', {
        error: err instanceof Error ? err : errorMessage(err),
      });
      running.releaseLock();
      resolve(1);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', (reason) => log.error('unhandled promise rejection', { error: errorMessage(reason) }));
  });
  log.info('rdd daemon stopped', { code });
  close();
  return code;
}
