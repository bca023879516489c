import { closeSync, createReadStream, fstatSync, openSync, readSync, statSync, watch } from 'node:fs';
import path from 'node:path';
import type { InstancePaths } from '../base/paths.js';
import { RddError } from '../base/errors.js';

/** The daemon's log: its logger and its stdout/stderr both land here. */
export function daemonLogFile(paths: Pick<InstancePaths, 'logDir'>): string {
  return path.join(paths.logDir, 'rdd.log');
}

/** The daemon log's size now: what a daemon started next writes comes after it. */
export function daemonLogSize(paths: Pick<InstancePaths, 'logDir'>): number {
  try {
    return statSync(daemonLogFile(paths)).size;
  } catch {
    return 0; // no log yet
  }
}

/** How much of the log's end is searched for the daemon's last error. */
const ERROR_SEARCH_BYTES = 64 * 1024;

export interface ReportedError {
  message: string;
  hint?: string;
}

/** A JSON log or error line, when `line` is one. */
function jsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The failure a daemon reported on its way out: the `rdd:` and `hint:` lines of a failed `svc serve` (or their JSON form). */
function failureReport(lines: string[], i: number): ReportedError | undefined {
  const line = lines[i];
  if (line.startsWith('rdd: ')) {
    const next = lines[i + 1] ?? '';
    return { message: line.slice('rdd: '.length), hint: next.startsWith('hint: ') ? next.slice('hint: '.length) : undefined };
  }
  const json = jsonLine(line);
  if (json?.level !== 'error' || typeof json.msg !== 'string' || !('exitCode' in json)) return undefined;
  return { message: json.msg, hint: typeof json.hint === 'string' ? json.hint : undefined };
}

/** An ERROR line of the daemon's logger, as its message: what a daemon that died without a report said last. */
function errorLogLine(line: string): ReportedError | undefined {
  const text = /^\S+ ERROR +(.*)$/.exec(line);
  if (text) return { message: text[1] };
  const json = jsonLine(line);
  return json?.level === 'error' && typeof json.msg === 'string' ? { message: json.msg } : undefined;
}

/**
 * The last error the daemon wrote to its log from byte `from` on (where the
 * log ended when it was started): its failure report if it wrote one, else
 * its logger's last ERROR line. Undefined when it wrote neither.
 */
export function lastDaemonError(paths: Pick<InstancePaths, 'logDir'>, from: number): ReportedError | undefined {
  let text: string;
  try {
    const fd = openSync(daemonLogFile(paths), 'r');
    try {
      const { size } = fstatSync(fd);
      const start = Math.max(from, size - ERROR_SEARCH_BYTES);
      const buffer = Buffer.alloc(Math.max(0, size - start));
      text = buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, start)).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined; // no log: nothing was reported
  }
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const report = failureReport(lines, i);
    if (report) return report;
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    const logged = errorLogLine(lines[i]);
    if (logged) return logged;
  }
  return undefined;
}

function missingLog(file: string, instance: string): RddError {
  return new RddError(`no daemon log for instance ${instance} at ${file}`, {
    suggestion: 'start the daemon with `rdd svc start`',
  });
}

/** Copies the whole log to `out`. */
export async function printLog(paths: InstancePaths, out: NodeJS.WritableStream): Promise<void> {
  const file = daemonLogFile(paths);
  await new Promise<void>((resolve, reject) => {
    const stream = createReadStream(file);
    stream.on('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? missingLog(file, paths.instance) : err),
    );
    stream.on('end', resolve);
    stream.pipe(out, { end: false });
  });
}

/**
 * `tail -f`: prints the log, then whatever is appended, until `signal` aborts.
 * A truncated or replaced log is read again from its start.
 */
export async function followLog(paths: InstancePaths, out: NodeJS.WritableStream, signal: AbortSignal): Promise<void> {
  const file = daemonLogFile(paths);
  let offset = 0;
  let inode: number | undefined;
  const buffer = Buffer.alloc(64 * 1024);

  const drain = () => {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      return; // gone for now (svc delete, rotation): wait for it to come back
    }
    try {
      const stat = statSync(file);
      if (stat.ino !== inode || stat.size < offset) offset = 0;
      inode = stat.ino;
      for (;;) {
        const n = readSync(fd, buffer, 0, buffer.length, offset);
        if (n === 0) break;
        out.write(Buffer.from(buffer.subarray(0, n)));
        offset += n;
      }
    } finally {
      closeSync(fd);
    }
  };

  try {
    statSync(file);
  } catch {
    throw missingLog(file, paths.instance);
  }
  drain();
  // Watch the directory, not the file: the file may be replaced or recreated.
  const watcher = watch(path.dirname(file), { signal }, drain);
  // Some file systems do not report appends through inotify; a slow poll catches up.
  const timer = setInterval(drain, 1000);
  await new Promise<void>((resolve) => {
    const done = () => {
      clearInterval(timer);
      watcher.close();
      resolve();
    };
    if (signal.aborted) done();
    else signal.addEventListener('abort', done, { once: true });
    watcher.on('error', done);
  });
}
