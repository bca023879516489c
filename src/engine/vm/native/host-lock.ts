import { spawn } from 'node:child_process';

/**
 * The lock every native engine of the host takes around its start and stop
 * (docs/instances.md#instances-on-one-host). Under /run: one per host, root's
 * (only an engine run as root touches the host firewall), gone at reboot.
 */
export const HOST_ENGINE_LOCK = '/run/rdd-native-engine.lock';

/** The lock could not be taken (another holder kept it past the timeout, or flock is missing). */
export class HostLockError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HostLockError';
  }
}

/**
 * Runs `fn` while holding an exclusive flock(2) on `file`, shared with every
 * process on the host. The lock is held by a `flock` child process that waits
 * on its stdin: Node has no flock of its own, and a lock tied to a pipe is
 * released by the kernel when this process dies, whatever kills it. Waits at
 * most `timeoutS` for the lock.
 */
export async function withHostLock<T>(file: string, timeoutS: number, fn: () => Promise<T>): Promise<T> {
  const holder = spawn('flock', ['--exclusive', '--timeout', String(timeoutS), file, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // EPIPE from a holder that ended first must not crash us.
  holder.stdin.on('error', () => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      let stderr = '';
      holder.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      holder.stdout.setEncoding('utf8').once('data', () => resolve());
      holder.once('error', (err) => reject(new HostLockError(`cannot run flock to lock ${file}: ${err.message}`, { cause: err })));
      holder.once('exit', (code) =>
        reject(new HostLockError(`cannot lock ${file} within ${timeoutS}s (flock exited with code ${code}${stderr.trim() ? `: ${stderr.trim()}` : ''})`)),
      );
    });
    return await fn();
  } finally {
    holder.stdin.end();
  }
}
