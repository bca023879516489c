import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from './run.js';

/** Mount points at or below dir, deepest first, from /proc/self/mountinfo (field 5, octal-escaped). */
export function mountsUnder(mountinfo: string, dir: string): string[] {
  const root = path.resolve(dir);
  return mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((field): field is string => field !== undefined)
    .map((field) => field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))))
    .filter((mp) => mp === root || mp.startsWith(root + path.sep))
    .sort((a, b) => b.length - a.length);
}

/**
 * dockerd makes its data-root a shared bind mount and unmounts it only on a
 * clean shutdown; after a SIGKILL the mount stays and blocks deleting the
 * directory. Lazy unmount, so a straggling reference cannot block removal.
 */
export async function unmountUnder(dir: string): Promise<void> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  for (const mountPoint of mountsUnder(mountinfo, dir)) {
    await run('umount', ['--lazy', mountPoint]);
  }
}
