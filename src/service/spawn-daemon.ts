import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { packageJsonPath } from '../base/assets.js';
import type { LogFormat, LogLevel } from '../base/log.js';
import type { InstancePaths } from '../base/paths.js';
import { daemonLogFile } from './log-file.js';

/** The built CLI; tests running from src/ spawn it too, so `npm run build` must have run. */
export const cliEntry = path.join(path.dirname(packageJsonPath), 'dist', 'main.js');

export interface SpawnOptions {
  logLevel?: LogLevel;
  logFormat?: LogFormat;
}

/**
 * The argv of an instance's daemon. `--pid-file <service dir>/rdd.pid` is
 * redundant for `serve` but puts the anchored `rancher-desktop-<instance>/`
 * marker into its command line, which is how leak cleanup finds it (S9).
 */
export function daemonArgv(paths: InstancePaths, options: SpawnOptions = {}): string[] {
  return [
    cliEntry,
    '--instance',
    paths.instance,
    '--log-level',
    options.logLevel ?? 'info',
    '--log-format',
    options.logFormat ?? 'text',
    'svc',
    'serve',
    '--pid-file',
    paths.pidFile,
  ];
}

/** Starts `rdd svc serve` detached from this process, its stdout/stderr appended to the daemon log. */
export function spawnDaemon(paths: InstancePaths, options: SpawnOptions = {}): ChildProcess {
  mkdirSync(paths.logDir, { recursive: true });
  const logFd = openSync(daemonLogFile(paths), 'a');
  try {
    const child = spawn(process.execPath, daemonArgv(paths, options), {
      cwd: paths.dir,
      detached: true,
      stdio: ['ignore', logFd, logFd],
      // RDD_INSTANCE=<instance> in its environment is the other cleanup marker (S9).
      env: { ...process.env, RDD_INSTANCE: paths.instance },
    });
    child.unref();
    return child;
  } finally {
    closeSync(logFd);
  }
}
