import { setTimeout as sleep } from 'node:timers/promises';
import type { Progress } from '../base/progress.js';
import type { Logger } from '../base/log.js';
import type { InstancePaths } from '../base/paths.js';
import { TimeoutError } from '../base/errors.js';
import { formatDuration } from '../base/duration.js';
import { daemonLogFile } from './log-file.js';
import { isRecordedProcessAlive, readPidRecord, type PidRecord } from './pidfile.js';

export interface StopOptions {
  /**
   * Deadline for the graceful stop (SIGINT); past it the daemon gets SIGTERM and the stop fails
   * with a TimeoutError (exit 4). 0 waits for SIGINT to work, however long.
   */
  timeoutMs: number;
  progress?: Progress;
}

export interface StopResult {
  /** The daemon that was stopped; undefined when none was running. */
  pid?: number;
}

/** After SIGTERM (a second signal) the daemon exits without finishing its shutdown; this bounds that. */
const TERM_GRACE_MS = 10_000;
const POLL_MS = 100;

/** Polls until the recorded process is gone: the daemon drops its pidfile shortly before it exits. */
async function exited(record: PidRecord, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (!isRecordedProcessAlive(record)) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    // The last look falls on the deadline, not a poll later: a short deadline is one the stop can miss.
    await sleep(Math.min(POLL_MS, left));
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/**
 * `svc stop`: SIGINT (the daemon stops its controllers, which stops the
 * engine, then the API server), and waits for the process to be gone. When
 * that takes longer than the timeout, SIGTERM cuts the shutdown short (the
 * engine may be left running) and the stop fails with a TimeoutError: the
 * deadline passed, whether or not SIGTERM then ended the process.
 */
export async function stopService(paths: InstancePaths, log: Logger, options: StopOptions): Promise<StopResult> {
  const record = readPidRecord(paths.pidFile);
  if (!record || !isRecordedProcessAlive(record)) return {};
  const { pid } = record;
  options.progress?.update(`stopping the rdd daemon of instance ${paths.instance} (pid ${pid})`);
  signal(pid, 'SIGINT');
  if (await exited(record, options.timeoutMs || Infinity)) return { pid };
  log.warn('daemon did not stop in time; sending SIGTERM', { pid, timeout: formatDuration(options.timeoutMs) });
  options.progress?.update(`rdd daemon (pid ${pid}) still stopping after ${formatDuration(options.timeoutMs)}: sending SIGTERM`);
  signal(pid, 'SIGTERM');
  const gone = await exited(record, TERM_GRACE_MS);
  const late = `rdd daemon for instance ${paths.instance} (pid ${pid}) did not stop within ${formatDuration(options.timeoutMs)}`;
  if (gone) {
    throw new TimeoutError(`${late}; SIGTERM ended it before its shutdown finished`, {
      suggestion: 'its engine may still run: `rdd svc start` adopts it, and `rdd svc stop` with a longer --timeout stops both',
    });
  }
  throw new TimeoutError(`${late}, and did not exit after SIGTERM`, {
    suggestion: `see ${daemonLogFile(paths)}; \`kill -9 ${pid}\` ends it without stopping the engine`,
  });
}
