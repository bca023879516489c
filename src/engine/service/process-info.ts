import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Fields of /proc/<pid>/stat after "pid (comm)"; comm may contain spaces and parentheses. */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` names a live process. Zombies count as gone: a daemon that
 * exited but was not reaped yet holds no lock and serves nothing.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  const stat = procStat(pid);
  return stat !== undefined && stat[0] !== 'Z';
}

/**
 * An opaque token that differs between two processes that had the same PID:
 * the start time (clock ticks since boot on Linux, `ps` lstart elsewhere).
 * Undefined when the process is gone or cannot be inspected.
 */
export function processStartToken(pid: number): string | undefined {
  if (process.platform === 'linux') return procStat(pid)?.[19];
  try {
    const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return out === '' ? undefined : out.replace(/\s+/g, '_');
  } catch {
    return undefined;
  }
}

/** The process's command line, or undefined when it is gone or unreadable. */
export function processCommandLine(pid: number): string | undefined {
  try {
    if (process.platform === 'linux') return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return execFileSync('ps', ['-ww', '-o', 'command=', '-p', String(pid)], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
