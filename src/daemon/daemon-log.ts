import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { createLogger, type LogFormat, type Logger, type LogLevel } from '../base/log.js';
import type { InstancePaths } from '../base/paths.js';
import { daemonLogFile } from '../service/log-file.js';

export interface DaemonLog {
  log: Logger;
  file: string;
  close(): void;
}

/**
 * The daemon logs to `<logDir>/rdd.log` with synchronous appends, so the last
 * lines before a crash are on disk. `echo` also copies them to stderr, for a
 * `svc serve` run by hand in a terminal.
 */
export function openDaemonLog(
  paths: InstancePaths,
  options: { level: LogLevel; format: LogFormat; echo: boolean },
): DaemonLog {
  mkdirSync(paths.logDir, { recursive: true });
  const file = daemonLogFile(paths);
  let fd: number | undefined = openSync(file, 'a');
  const write = (line: string) => {
    if (fd !== undefined) writeSync(fd, line + '\n');
    if (options.echo) process.stderr.write(line + '\n');
  };
  return {
    log: createLogger({ level: options.level, format: options.format, write }),
    file,
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
