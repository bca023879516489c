import type Database from 'better-sqlite3';

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
