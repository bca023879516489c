import { existsSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { RddError } from '../base/errors.js';

const FREE_SPACE = 'free disk space (`df -h` shows which disk is full), then run the command again';

/** errno codes that mean the disk has no room (a quota counts as none). */
const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);

/**
 * The error for a file the service could not write, naming the cause a user
 * can act on: a full disk says so (ENOSPC) and what to do, instead of only
 * which file failed.
 */
export function writeFailure(what: string, err: unknown): RddError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && NO_SPACE.has(code)) {
    return new RddError(`cannot write ${what}: no space left on the device (${code})`, {
      cause: err,
      suggestion: FREE_SPACE,
    });
  }
  return new RddError(`cannot write ${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** Below this, the daemon cannot write its pidfile, log and store: a start would fail half-way and leave no word why. */
const MIN_FREE_BYTES = 1024 * 1024;

/**
 * Refuses `what` up front when the disk of `dir` (or of its nearest existing
 * parent) is full: a daemon started there fails before it can even log why.
 */
export function assertFreeSpace(dir: string, what: string): void {
  let existing = dir;
  while (!existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  const stats = statfsSync(existing);
  const free = stats.bavail * stats.bsize;
  if (free >= MIN_FREE_BYTES) return;
  throw new RddError(`cannot ${what}: no space left on the device of ${existing} (ENOSPC): ${free} bytes free`, {
    suggestion: FREE_SPACE,
  });
}
