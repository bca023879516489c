/**
 * CPU time of this process split between its main thread and the rest
 * (V8's platform workers: parallel and concurrent GC, concurrent JIT
 * compilation; libuv's pool), read from /proc/self/task (Linux). On the
 * 2-core reference a third of a full sync's CPU is off the main thread, so
 * allocation shows up there as much as in the profile of the main thread.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ThreadCpu {
  mainMs: number;
  helpersMs: number;
}

const TICK_MS = 10; // USER_HZ is 100 on every Linux Node supports

function taskCpuMs(tid: string): number {
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) in parentheses; utime and stime are the 14th and 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0; // a thread that ended between the listing and the read
  }
}

export function threadCpu(): ThreadCpu {
  let helpersMs = 0;
  for (const tid of readdirSync('/proc/self/task')) if (tid !== String(process.pid)) helpersMs += taskCpuMs(tid);
  return { mainMs: taskCpuMs(String(process.pid)), helpersMs };
}

/** What `later` adds to `earlier`. */
export function threadCpuSince(earlier: ThreadCpu, later: ThreadCpu = threadCpu()): ThreadCpu {
  return { mainMs: later.mainMs - earlier.mainMs, helpersMs: later.helpersMs - earlier.helpersMs };
}
