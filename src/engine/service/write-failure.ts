import { RddError } from '../base/errors.js';

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
      suggestion: 'free disk space (`df -h` shows which disk is full), then run the command again',
    });
  }
  return new RddError(`cannot write ${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
