import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { packageJsonPath } from '../base/assets.js';
import type { LogFormat, LogLevel } from '../base/log.js';
import { readServiceConfig } from './config.js';
import type { InstancePaths } from '../base/paths.js';
import { daemonLogFile } from './log-file.js';

/**
 * The built CLI the daemon runs as: the bundle (`scripts/bundle.mjs`), whose
 * few files Node loads ~0.3 s sooner than the tsc output's hundreds, on every
 * daemon start. Tests running from src/ spawn it too, so `npm run build` must
 * have run.
 */
export const cliEntry = path.join(path.dirname(packageJsonPath), 'dist', 'bundle', 'main.js');

export interface SpawnOptions {
  logLevel?: LogLevel;
  logFormat?: LogFormat;
}

/** The daemon's log settings: those given (flag or env), else those kept in config.json, else info/text. */
export function daemonLogging(paths: InstancePaths, options: SpawnOptions = {}): { level: LogLevel; format: LogFormat } {
  const config = options.logLevel && options.logFormat ? undefined : readServiceConfig(paths);
  return { level: options.logLevel ?? config?.logLevel ?? 'info', format: options.logFormat ?? config?.logFormat ?? 'text' };
}

/**
 * The argv of an instance's daemon. `--pid-file <service dir>/rdd.pid` is
 * redundant for `serve` but puts the anchored `rancher-desktop-<instance>/`
 * marker into its command line, which is how leak cleanup finds it
 * (docs/design-rules.md#anchored-process-markers).
 */
export function daemonArgv(paths: InstancePaths, options: SpawnOptions = {}): string[] {
  const { level, format } = daemonLogging(paths, options);
  return [
    cliEntry,
    '--instance',
    paths.instance,
    '--log-level',
    level,
    '--log-format',
    format,
    'svc',
    'serve',
    '--pid-file',
    paths.pidFile,
  ];
}

/**
 * The daemon's environment: the caller's, with RDD_INSTANCE=<instance> (the other cleanup
 * marker) and without NODE_EXTRA_CA_CERTS. The daemon makes no TLS connection to anyone but
 * itself (controllers call its API server in-process; engines are Unix sockets), and Node would
 * parse that bundle at start: ~50 ms and ~2 MB of memory held all day. Its children (engines,
 * limactl, ip) are no Node programs.
 */
function daemonEnv(paths: InstancePaths): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _unused, ...env } = process.env;
  return { ...env, RDD_INSTANCE: paths.instance };
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
      env: daemonEnv(paths),
    });
    child.unref();
    return child;
  } finally {
    closeSync(logFd);
  }
}
