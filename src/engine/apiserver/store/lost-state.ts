import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { fileStamp } from './open.js';
import type { LostFile } from './open-files.js';

/** Beside the store, the daemon keeps the App's spec (controllers/store-health.ts writes it). */
export const APP_BACKUP_FILE_NAME = 'rdd.app-backup.json';

/**
 * The `meta` key that says a daemon has the store open: 1 from the open
 * (checkpointed into the database file at once), 0 at a clean close. A start
 * that finds 1 follows a crash, and after a crash the WAL is always there:
 * SQLite removes it only when it closes the database.
 */
export const IN_USE_KEY = 'in_use';

/** What the store's files looked like before the open touched them. */
export interface FilesBeforeOpen {
  database: boolean;
  wal: boolean;
}

export function filesBeforeOpen(file: string): FilesBeforeOpen {
  return { database: existsSync(file), wal: existsSync(`${file}-wal`) };
}

/** Whether a `<store>.damaged*` file was moved aside after `since` (ms): the store was re-created on purpose. */
function movedAsideSince(file: string, since: number): boolean {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.damaged`;
  // A rename sets the file's ctime: the move is dated even though mv keeps the mtime.
  return readdirSync(dir).some((name) => name.startsWith(prefix) && statSync(path.join(dir, name)).ctimeMs >= since);
}

/**
 * Why committed state is gone, as this start finds it; undefined when nothing is known lost.
 * A store re-created after its damaged file was moved aside (the documented recovery) is not a loss.
 */
export function lostAtStart(file: string, before: FilesBeforeOpen, inUse: boolean): string | undefined {
  if (before.database && inUse && !before.wal) {
    return (
      `the write-ahead log ${file}-wal was missing when the daemon started, though the store says the last daemon did ` +
      `not close it (it crashed or was killed after the file was removed): writes acknowledged since the last checkpoint are lost`
    );
  }
  const backup = path.join(path.dirname(file), APP_BACKUP_FILE_NAME);
  if (!before.database && existsSync(backup) && !movedAsideSince(file, statSync(backup).mtimeMs)) {
    return (
      `the object store ${file} was missing and has been created anew, but ${backup} shows an earlier store was there: ` +
      `its objects are lost (the App's spec is restored from the backup; the mirrors are rebuilt from the engine)`
    );
  }
  return undefined;
}

/**
 * Saves what the open (but lost) store holds, so that a crash from here on
 * loses nothing acknowledged, and leaves the paths to the saved copy:
 * - the WAL removed or replaced: the database file is still ours; its WAL
 *   (open, though unlinked) is folded into it and a new WAL is started;
 * - the database removed or replaced: the connection stops using files at
 *   the paths (an in-memory journal) and a copy of the whole store is written
 *   to the path, or beside it when another file is there now.
 * `markClosed` is run just before the copy, so the copy reads as closed cleanly.
 * Returns where the state is now, for the messages.
 */
export function rescue(db: Database.Database, file: string, lost: LostFile, markClosed: () => void): string {
  if (lost.file !== file) {
    db.pragma('journal_mode = DELETE');
    db.pragma('journal_mode = WAL');
    return `everything acknowledged so far was written to ${file}`;
  }
  db.pragma('journal_mode = MEMORY');
  markClosed();
  const target = lost.how === 'removed' ? file : `${file}.rescued-${fileStamp()}`;
  db.prepare('VACUUM INTO ?').run(target);
  return lost.how === 'removed'
    ? `everything acknowledged so far was saved to ${file} again`
    : `everything acknowledged so far was saved to ${target}; move it into place while the daemon is stopped: mv '${target}' '${file}'`;
}
