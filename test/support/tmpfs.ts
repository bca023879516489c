/**
 * A small tmpfs for disk-full faults (needs root, as the rest of the
 * integration suite does). The disk is filled for real, not simulated.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmdirSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export function mountTmpfs(prefix: string, size: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { timeout: 10_000 });
  } catch (err) {
    rmdirSync(dir);
    throw err;
  }
  return dir;
}

/** Unmounts once the processes that used it (a daemon that just stopped) have let go; fails after `timeoutMs`. */
export async function unmountTmpfs(dir: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      execFileSync('umount', [dir], { timeout: 10_000, stdio: 'pipe' });
      break;
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await sleep(100);
    }
  }
  rmdirSync(dir);
}

/** Writes `file` until the disk refuses (ENOSPC); fails if `maxMiB` fit. */
export function fillDisk(file: string, maxMiB = 64): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(1024 * 1024);
  try {
    for (let i = 0; i < maxMiB; i++) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC') return;
    throw err;
  } finally {
    closeSync(fd);
  }
  throw new Error(`${maxMiB} MiB fit on the disk of ${file}: it did not fill up`);
}
