import { writeFailure } from './write-failure.js';
import { linkSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import type { InstancePaths } from '../base/paths.js';
import { RddError } from '../base/errors.js';
import { isProcessAlive, processStartToken } from './process-info.js';

/**
 * Pidfile content: the PID on the first line (what other tools read), the
 * process's start token on the second. A pidfile left by a SIGKILLed daemon may
 * name a PID the kernel has since given to another process; the start token
 * tells them apart.
 */
export interface PidRecord {
  pid: number;
  start?: string;
}

export function readPidRecord(pidFile: string): PidRecord | undefined {
  let text: string;
  try {
    text = readFileSync(pidFile, 'utf8');
  } catch {
    return undefined;
  }
  const [first, second] = text.split('\n');
  const pid = Number.parseInt(first.trim(), 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, start: second?.trim() || undefined };
}

export function formatPidRecord(record: PidRecord): string {
  return record.start ? `${record.pid}\n${record.start}\n` : `${record.pid}\n`;
}

/** Whether the process the record names is still that very process. */
export function isRecordedProcessAlive(record: PidRecord): boolean {
  if (!isProcessAlive(record.pid)) return false;
  if (record.start === undefined) return true;
  const start = processStartToken(record.pid);
  return start === undefined || start === record.start;
}

export interface RunningDaemon {
  pid: number;
  /** When the daemon wrote its pidfile, i.e. when it started. */
  since: Date;
}

/** The live daemon recorded in the pidfile, if any. */
export function runningDaemon(paths: Pick<InstancePaths, 'pidFile'>): RunningDaemon | undefined {
  const record = readPidRecord(paths.pidFile);
  if (!record || !isRecordedProcessAlive(record)) return undefined;
  try {
    return { pid: record.pid, since: statSync(paths.pidFile).mtime };
  } catch {
    return undefined;
  }
}

export class DaemonRunningError extends RddError {
  readonly pid: number;

  constructor(instance: string, pid: number) {
    super(`rdd daemon for instance ${instance} already running (pid ${pid})`);
    this.name = 'DaemonRunningError';
    this.pid = pid;
  }
}

/** The service dir is gone (never created, or `svc delete` removed it): there is nothing to lock, nor to serve. */
export class ServiceMissingError extends RddError {
  constructor(paths: Pick<InstancePaths, 'dir' | 'instance'>, cause: unknown) {
    super(`rdd service for instance ${paths.instance} does not exist (no ${paths.dir})`, {
      cause,
      suggestion: `create it with \`rdd --instance ${paths.instance} svc create\` or \`rdd --instance ${paths.instance} svc start\``,
    });
    this.name = 'ServiceMissingError';
  }
}

export interface PidFileLock {
  /** Removes the pidfile if it still names this process. */
  release(): void;
}

/**
 * Takes the one-daemon-per-instance lock: the pidfile is created exclusively,
 * so of two daemons racing only one wins. A pidfile whose process is gone (or
 * is a different process under a reused PID) is stale and replaced. The
 * service dir is never created here: a lock in a dir `svc delete` just removed
 * would let a late daemon bring the instance back.
 */
export function acquirePidFile(paths: Pick<InstancePaths, 'pidFile' | 'instance' | 'dir'>, pid = process.pid): PidFileLock {
  const own: PidRecord = { pid, start: processStartToken(pid) };
  // Written whole first, then hard-linked into place: link() fails with EEXIST
  // like O_EXCL, and a racing reader never sees a half-written pidfile.
  const draft = `${paths.pidFile}.${pid}.tmp`;
  try {
    // Inside the try: a write that fails half-way (a full disk) still leaves no draft behind.
    writeDraft(paths, draft, own);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(draft, paths.pidFile);
        return { release: () => removeIfHeldBy(paths.pidFile, own) };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // The dir went between the draft and the link: `svc delete` removed it.
        if (code === 'ENOENT') throw new ServiceMissingError(paths, err);
        if (code !== 'EEXIST') throw new RddError(`cannot create pidfile ${paths.pidFile}`, { cause: err });
      }
      const holder = readPidRecord(paths.pidFile);
      if (holder && isRecordedProcessAlive(holder)) throw new DaemonRunningError(paths.instance, holder.pid);
      removeIfHeldBy(paths.pidFile, holder);
    }
  } finally {
    rmSync(draft, { force: true });
  }
  throw new RddError(`cannot take the daemon lock ${paths.pidFile}: another daemon keeps replacing it`);
}

function writeDraft(paths: Pick<InstancePaths, 'pidFile' | 'instance' | 'dir'>, draft: string, record: PidRecord): void {
  try {
    writeFileSync(draft, formatPidRecord(record), { mode: 0o644 });
  } catch (err) {
    // The lock never creates the service dir: a missing one means the service was never created (or deleted).
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ServiceMissingError(paths, err);
    throw writeFailure(`the pidfile draft ${draft}`, err);
  }
}

/** Unlinks the pidfile only if it still holds `record`, so a newer daemon's lock survives. */
function removeIfHeldBy(pidFile: string, record: PidRecord | undefined): void {
  const current = readPidRecord(pidFile);
  if (current?.pid !== record?.pid || current?.start !== record?.start) return;
  try {
    unlinkSync(pidFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
