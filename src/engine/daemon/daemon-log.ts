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
 * Appends whole lines to `fd` and never throws: when the disk is full (or the
 * write fails otherwise) lines are dropped and counted, and the first line
 * that gets through again is preceded by one saying how many were lost. A
 * line cut short by the failure is ended first, so the notice starts a line.
 */
export function lossyLineWriter(fd: number, writeBytes: (fd: number, data: Buffer) => number = writeSync): (line: string) => void {
  let dropped = 0;
  let firstError = '';
  let cutLine = false;

  const writeAll = (data: Buffer): boolean => {
    let done = 0;
    try {
      while (done < data.length) {
        const n = writeBytes(fd, data.subarray(done));
        if (n <= 0) return false;
        done += n;
        cutLine = data[done - 1] !== 0x0a;
      }
      return true;
    } catch (err) {
      firstError ||= (err as NodeJS.ErrnoException).code ?? String(err);
      return false;
    }
  };

  return (line: string) => {
    if (dropped > 0 || cutLine) {
      const notice = `${new Date().toISOString()} WARN  ${dropped} log line(s) dropped: the log could not be written (${firstError || 'short write'})\n`;
      if (!writeAll(Buffer.from((cutLine ? '\n' : '') + notice))) {
        dropped++;
        return;
      }
      dropped = 0;
      firstError = '';
    }
    if (!writeAll(Buffer.from(line + '\n'))) dropped++;
  };
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
  const append = lossyLineWriter(fd);
  // stderr is the log file too when `svc start` spawned the daemon: a full
  // disk makes its writes fail, and an unhandled stream error would end the process.
  const ignoreStderrError = () => undefined;
  process.stderr.on('error', ignoreStderrError);
  const write = (line: string) => {
    if (fd !== undefined) append(line);
    if (options.echo) process.stderr.write(line + '\n');
  };
  return {
    log: createLogger({ level: options.level, format: options.format, write }),
    file,
    close() {
      process.stderr.off('error', ignoreStderrError);
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
