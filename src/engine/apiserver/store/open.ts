import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { RddError } from '../../base/errors.js';

/** The files SQLite keeps next to the database; they belong to it and move with it. */
const COMPANIONS = ['-wal', '-shm', '-journal'];

/** SQLite result codes that mean the file is not a sound database. */
const DAMAGE_CODES = /^SQLITE_(CORRUPT|NOTADB)/;
/** SQLite result codes that mean the disk has no room. */
const FULL_CODES = /^SQLITE_FULL/;

function sqliteCode(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : '';
}

/** The files of the store at `file` that exist now: the database and its companions. */
export function storeFiles(file: string): string[] {
  return [file, ...COMPANIONS.map((suffix) => file + suffix)].filter((f) => existsSync(f));
}

/** `2026-12-05T16:02:35.123Z` → `20261205T160235`, for names of files set aside. */
export function fileStamp(now = new Date()): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
}

/**
 * The shell command that moves a damaged store and its companion files aside.
 * Each move is guarded and the moves are separate commands: whichever of the
 * files is missing (now, or by the time the user runs it), the others still move.
 */
export function moveAsideCommand(file: string): string {
  const stamp = fileStamp();
  const files = new Set([file, ...storeFiles(file)]);
  return [...files]
    .map((f) => `[ ! -e '${f}' ] || mv '${f}' '${f.replace(/(-wal|-shm|-journal)?$/, `.damaged-${stamp}$1`)}'`)
    .join('; ');
}

/**
 * The object store cannot be used: the daemon must not start on it, and the
 * message tells the user what is lost and how to start over. Only the App's
 * spec lives nowhere else; the engine's mirrors are rebuilt from the engine.
 */
export class StoreDamagedError extends RddError {
  readonly file: string;

  constructor(file: string, detail: string, cause?: unknown) {
    const command = moveAsideCommand(file);
    super(
      `the object store ${file} is damaged (${detail}). To start with a new, empty store, stop the daemon and move the ` +
        `damaged file aside: ${command} — the mirrors of containers, images and volumes are rebuilt from the engine; ` +
        `the App's spec is restored from the backup the daemon keeps (see docs/control-plane.md#damaged-store), else set it again with \`rdd set\``,
      { cause, suggestion: command },
    );
    this.name = 'StoreDamagedError';
    this.file = file;
  }
}

/**
 * A storage failure while serving: the disk is full, the file is damaged, or
 * the I/O failed. The API answers it with a Status naming the store instead
 * of a bare SQLite message.
 */
export class StorageError extends Error {
  readonly kind: 'full' | 'damaged' | 'io' | 'lost';
  readonly file?: string;

  constructor(kind: StorageError['kind'], file: string | undefined, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    const store = file ? `the object store ${file}` : 'the object store';
    const what =
      kind === 'full'
        ? `no space left for ${store} (${why}); free disk space and retry`
        : kind === 'damaged'
          ? `${store} is damaged (${why}); restart the daemon (\`rdd svc stop\`, \`rdd svc start\`): its start checks the store and says how to recover`
          : kind === 'lost'
            ? `${store} is no longer the file the daemon writes (${why}): writes are refused, as they would not survive a ` +
              'crash; restart the daemon (`rdd svc stop`, `rdd svc start`) to write again'
            : `${store} could not be read or written (${why})`;
    super(what, { cause });
    this.name = 'StorageError';
    this.kind = kind;
    this.file = file;
  }
}

/** `err` as a StorageError when SQLite failed for lack of space, damage or I/O; else `err` itself. */
export function asStorageError(err: unknown, file?: string): unknown {
  const code = sqliteCode(err);
  if (FULL_CODES.test(code)) return new StorageError('full', file, err);
  if (DAMAGE_CODES.test(code)) return new StorageError('damaged', file, err);
  if (code.startsWith('SQLITE_IOERR')) return new StorageError('io', file, err);
  // Node's own file errors (a WAL that cannot grow) carry errno codes.
  if (code === 'ENOSPC' || code === 'EDQUOT') return new StorageError('full', file, err);
  return err;
}

/**
 * Opens the store and proves it sound before anything is served from it.
 * A store that does not exist is made under a temporary name and renamed into
 * place once it has a valid header, so an existing zero-length file is never
 * one of ours half-made: it is damage (a truncation), not a new store.
 */
export function openStoreDatabase(file: string, schema: string): Database.Database {
  if (!existsSync(file)) {
    const orphans = COMPANIONS.map((suffix) => file + suffix).filter((f) => existsSync(f));
    if (orphans.length) throw new StoreDamagedError(file, `the database is missing but ${orphans.join(', ')} remains`);
    createStoreFile(file, schema);
  } else if (statSync(file).size === 0) {
    throw new StoreDamagedError(file, 'the file is empty');
  }
  let db: Database.Database | undefined;
  let damage: string | undefined;
  try {
    db = new Database(file, { fileMustExist: true });
    configure(db);
    const problems = db.pragma('quick_check(5)', { simple: false }) as { quick_check: string }[];
    const found = problems.map((row) => row.quick_check).filter((text) => text !== 'ok');
    if (!found.length) {
      db.exec(schema);
      return db;
    }
    damage = `quick_check: ${found.join('; ')}`;
  } catch (err) {
    db?.close();
    if (DAMAGE_CODES.test(sqliteCode(err))) throw new StoreDamagedError(file, (err as Error).message, err);
    throw new Error(`cannot open the object store ${file}`, { cause: asStorageError(err, file) });
  }
  // Closed before the error is made: its move-aside command lists the companion files that are left.
  db.close();
  throw new StoreDamagedError(file, damage);
}

function configure(db: Database.Database): void {
  // The API server is the database's only user: an exclusive lock skips the
  // per-transaction file locking and WAL shared-memory index (a third less
  // CPU per write) and makes a second server on the same file fail fast.
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // SQLite's automatic checkpoint runs inside the commit that crosses the
  // threshold and stalls it (and the watch events behind it) for tens of
  // milliseconds; the store checkpoints after the write's events are out.
  db.pragma('wal_autocheckpoint = 0');
}

function createStoreFile(file: string, schema: string): void {
  // The pidfile lock makes this daemon the only one here: a draft left by a crash is stale.
  const draft = `${file}.new`;
  const drafts = [draft, ...COMPANIONS.map((suffix) => draft + suffix)];
  for (const f of drafts) rmSync(f, { force: true });
  try {
    const db = new Database(draft);
    try {
      db.pragma('journal_mode = WAL');
      db.exec(schema);
    } finally {
      // Closing checkpoints the WAL into the file and removes it.
      db.close();
    }
    renameSync(draft, file);
  } catch (err) {
    throw new Error(`cannot create the object store ${file}`, { cause: asStorageError(err, file) });
  } finally {
    for (const f of drafts) rmSync(f, { force: true });
  }
}
