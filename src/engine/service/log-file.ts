import { closeSync, createReadStream, openSync, readSync, statSync, watch } from 'node:fs';
import path from 'node:path';
import type { InstancePaths } from '../base/paths.js';
import { RddError } from '../base/errors.js';

/** The daemon's log: its logger and its stdout/stderr both land here. */
export function daemonLogFile(paths: Pick<InstancePaths, 'logDir'>): string {
  return path.join(paths.logDir, 'rdd.log');
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
