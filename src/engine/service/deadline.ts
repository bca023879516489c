import { readFileSync } from 'node:fs';
import { TimeoutError } from '../base/errors.js';
import type { InstancePaths } from '../base/paths.js';

/** Whether the process is stopped (`T`) or stopped by a tracer (`t`): it cannot answer until it is continued. Linux only. */
function isStopped(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the command name, which is in parentheses and may hold spaces.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'T' || state === 't';
  } catch {
    return false;
  }
}

/**
 * The error (exit 4) for a daemon that runs but does not answer in time:
 * it says whether the process is stopped (SIGSTOP, Ctrl-Z, a debugger) or
 * hung, and what to do in that state.
 */
export function daemonNotAnswering(paths: Pick<InstancePaths, 'instance'>, pid: number | undefined, what: string, within: string): TimeoutError {
  const who = `the rdd daemon of instance ${paths.instance}${pid === undefined ? '' : ` (pid ${pid})`}`;
  if (pid !== undefined && isStopped(pid)) {
    return new TimeoutError(`${who} did not answer ${what} within ${within}: the process is stopped (SIGSTOP, Ctrl-Z or a debugger)`, {
      suggestion: `resume it with \`kill -CONT ${pid}\``,
    });
  }
  return new TimeoutError(`${who} did not answer ${what} within ${within}: it is hung or overloaded`, {
    suggestion: `see its log (\`rdd svc log\`); restart it with \`rdd svc stop\`, then \`rdd svc start\``,
  });
}

/**
 * `work`, or the error `onTimeout` makes once `ms` passed (0 = no limit).
 * `onTimeout` should also abort the work (close its client), so that no
 * request keeps the process alive after it gave up.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  if (ms <= 0) return work;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  // Once the deadline won, the work's own failure (its aborted request) is nobody's to report.
  work.catch(() => undefined);
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
