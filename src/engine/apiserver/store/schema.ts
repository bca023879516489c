import type Database from 'better-sqlite3';
import type { StoreEvent } from './watch-hub.js';

/**
 * Each object state is stored once, as a `log` row. `current` only points at
 * the row of each live object, and a row names the state it replaced by its
 * revision (`prev_rev`), so an update writes one copy of the object instead
 * of three (the new state in the log and in `current`, the old one in the
 * log): a third of a full sync's SQLite time (docs/performance.md, round 5).
 *
 * `prev_rev` sits before `value` so that reading it (compaction) never reads
 * the object's overflow pages.
 */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS log (
  rev INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  resource TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  prev_rev INTEGER,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS log_resource ON log (resource, rev);
CREATE TABLE IF NOT EXISTS current (
  resource TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  rev INTEGER NOT NULL,
  PRIMARY KEY (resource, namespace, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
`;

/** The revision an object state carries, read by SQLite from its JSON. */
const REVISION_OF = (column: string) => `CAST(json_extract(${column}, '$.metadata.resourceVersion') AS INTEGER)`;

/**
 * Brings a store written by an earlier rdd to SCHEMA, in one transaction:
 * there `current` held a copy of every live object and each log row the
 * whole previous state (`prev`). A state's revision is its
 * resourceVersion, so `prev_rev` is read from `prev`. States the old log had
 * compacted away but that are still needed (live objects, and the previous
 * states of retained rows) become log rows at their revisions; those are at
 * or below the compacted revision, so no watch replays them, and their
 * `type` is never read. Returns how many objects it carried over; undefined
 * when the store had the current schema already.
 */
export function upgradeSchema(db: Database.Database): { objects: number } | undefined {
  const columns = db.pragma('table_info(current)') as { name: string }[];
  if (!columns.some((c) => c.name === 'value')) return undefined;
  return db.transaction(() => {
    db.exec(`
      DROP INDEX IF EXISTS log_resource;
      ALTER TABLE log RENAME TO log_v1;
      ALTER TABLE current RENAME TO current_v1;
      ${SCHEMA}
      INSERT INTO log (rev, type, resource, namespace, name, prev_rev, value)
        SELECT rev, type, resource, namespace, name, ${REVISION_OF('prev')}, value FROM log_v1;
      INSERT OR IGNORE INTO log (rev, type, resource, namespace, name, prev_rev, value)
        SELECT rev, 'MODIFIED', resource, namespace, name, NULL, value FROM current_v1;
      INSERT OR IGNORE INTO log (rev, type, resource, namespace, name, prev_rev, value)
        SELECT ${REVISION_OF('prev')}, 'MODIFIED', resource, namespace, name, NULL, prev FROM log_v1 WHERE prev IS NOT NULL;
      INSERT INTO current (resource, namespace, name, rev) SELECT resource, namespace, name, rev FROM current_v1;
      DROP TABLE log_v1;
      DROP TABLE current_v1;
    `);
    return { objects: db.prepare<[], number>('SELECT COUNT(*) FROM current').pluck().get() ?? 0 };
  })();
}

/** One object of a snapshot, still as stored JSON. */
export interface SnapshotRow {
  namespace: string;
  name: string;
  value: string;
}

/** A log row with the state it replaced (`prev`, null when it replaced none or that state is gone). */
export interface LogRow {
  rev: number;
  type: StoreEvent['type'];
  resource: string;
  namespace: string;
  name: string;
  value: string;
  prev: string | null;
}

/** The store's statements over SCHEMA, next to it: a change of the tables changes these with them. */
export function prepareStatements(db: Database.Database) {
  // A live object's state is the log row `current` points at.
  const live = 'FROM current c JOIN log l ON l.rev = c.rev';
  const withPrev = 'SELECT l.rev, l.type, l.resource, l.namespace, l.name, l.value, p.value AS prev FROM log l LEFT JOIN log p ON p.rev = l.prev_rev';
  return {
    get: db.prepare<[string, string, string], { value: string; rev: number }>(
      `SELECT l.value, c.rev ${live} WHERE c.resource = ? AND c.namespace = ? AND c.name = ?`,
    ),
    listAll: db.prepare<[string], { value: string }>(`SELECT l.value ${live} WHERE c.resource = ? ORDER BY c.namespace, c.name`),
    listNs: db.prepare<[string, string], { value: string }>(`SELECT l.value ${live} WHERE c.resource = ? AND c.namespace = ? ORDER BY c.name`),
    rowsAll: db.prepare<[string, string, string], SnapshotRow>(
      `SELECT c.namespace, c.name, l.value ${live} WHERE c.resource = ? AND (c.namespace, c.name) > (?, ?) ORDER BY c.namespace, c.name`,
    ),
    since: db.prepare<[string, number], LogRow>(`${withPrev} WHERE l.resource = ? AND l.rev > ? ORDER BY l.rev`),
    countNs: db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM current WHERE namespace = ?'),
    resourcesInNs: db.prepare<[string], { resource: string }>('SELECT DISTINCT resource FROM current WHERE namespace = ?'),
    insertLog: db.prepare('INSERT INTO log (rev, type, resource, namespace, name, prev_rev, value) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    upsert: db.prepare(
      'INSERT INTO current (resource, namespace, name, rev) VALUES (?, ?, ?, ?) ON CONFLICT (resource, namespace, name) DO UPDATE SET rev = excluded.rev',
    ),
    remove: db.prepare('DELETE FROM current WHERE resource = ? AND namespace = ? AND name = ?'),
    maxRev: db.prepare<[], { rev: number | null }>('SELECT MAX(rev) AS rev FROM log'),
    getMeta: db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    // Rows leaving the window take the states they replaced with them: nothing else refers to those.
    prunePrevious: db.prepare<[number, number]>('DELETE FROM log WHERE rev IN (SELECT prev_rev FROM log WHERE rev > ? AND rev <= ? AND prev_rev IS NOT NULL)'),
    // What else leaves the window is live (current) or replaced by a retained row (its previous state) and stays, but for deletions.
    pruneDeleted: db.prepare<[number, number]>("DELETE FROM log WHERE rev > ? AND rev <= ? AND type = 'DELETED'"),
    begin: db.prepare('BEGIN'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
