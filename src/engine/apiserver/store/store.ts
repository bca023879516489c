import type Database from 'better-sqlite3';
import type { KubeObject } from '../../kube/types.js';
import { StoreHealth } from './health.js';
import { asStorageError, openStoreDatabase, StorageError } from './open.js';
import { OpenFiles } from './open-files.js';
import { filesBeforeOpen, IN_USE_KEY, lostAtStart, rescue } from './lost-state.js';
import { LogEvent, parsedOnce } from './log-event.js';
import { prepareStatements, SCHEMA, upgradeSchema, type SnapshotRow, type Statements } from './schema.js';
import { WatchHub, type StoreEvent } from './watch-hub.js';

export type { StoreEvent } from './watch-hub.js';
export type { SnapshotRow } from './schema.js';

/** Where an object lives: `resource` is `group/plural` (`/namespaces` for core). */
export interface ObjectKey {
  resource: string;
  namespace: string;
  name: string;
}

export interface StoreOptions {
  path: string;
  /** How many revisions the log keeps for watch resumption; older ones answer 410. */
  retainRevisions?: number;
}

const keyAfter = (a: { namespace: string; name: string }, b: { namespace: string; name: string }): boolean =>
  a.namespace > b.namespace || (a.namespace === b.namespace && a.name > b.name);

/** Writes between WAL checkpoints: a few MB of WAL, about what SQLite's default (1,000 pages) allows. */
const CHECKPOINT_EVERY_WRITES = 250;
/** A batch commits at the end of the event-loop turn, or sooner at this many writes. */
export const MAX_BATCH_WRITES = 256;
/** How often an idle store checks that its files are still the ones it has open (writes check before each commit). */
export const FILE_CHECK_MS = 2_000;
/** Events are the one kind whose loss in a crash costs nothing but history: they may be written while the files are lost. */
const EVENTS = '/events';

/** The object without what a status write changes: equal before and after when only the status changed. */
function withoutStatus(obj: KubeObject): string {
  const { managedFields: _fields, resourceVersion: _rev, ...metadata } = obj.metadata;
  return JSON.stringify({ ...obj, status: undefined, metadata });
}

/** Writes of one transaction: committed together, then published in order. */
interface Batch {
  events: StoreEvent[];
  committed: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

/** What a write stores, given the live object (parsed on demand; undefined when there is none) and the new revision. */
type Build = (live: (() => KubeObject) | undefined, rev: number) => { type: StoreEvent['type']; value: KubeObject };

/** Thrown when a write's expected revision is no longer current. */
export class RevisionMismatch extends Error {
  constructor(key: ObjectKey) {
    super(`${key.resource} ${key.namespace}/${key.name} changed concurrently`);
    this.name = 'RevisionMismatch';
  }
}

/**
 * The kine-style object store: every write appends a row with the next global
 * revision to `log` and points `current` at it; watches replay `log` and then
 * follow live writes. The log is compacted to the last `retainRevisions`,
 * but for the rows that live objects, and retained rows' previous states, need.
 */
export class Store {
  readonly hub = new WatchHub();
  /** What the writes found: served at /healthz/store, shown as the App's StoreHealthy condition. */
  readonly health = new StoreHealth();
  private readonly db: Database.Database;
  private readonly file: string;
  private readonly retain: number;
  private rev: number;
  private compacted: number;
  private writesSinceCompaction = 0;
  private writesSinceCheckpoint = 0;
  private checkpointScheduled = false;
  private batch: Batch | undefined;
  private readonly stmts: Statements;
  /** Set when this open upgraded a store written by an earlier rdd (schema.ts): how many objects it carried over. */
  readonly upgraded?: { objects: number };
  /** The database and WAL as opened: a path that leads elsewhere now means writes would not survive a crash. */
  private readonly openFiles: OpenFiles;
  private readonly fileCheck: NodeJS.Timeout;
  /** Set once a file is found lost: every later write but status and events is refused with it. */
  private lost: StorageError | undefined;

  constructor(opts: StoreOptions) {
    this.file = opts.path;
    const before = filesBeforeOpen(opts.path);
    // Checked at open: a damaged file stops the start, naming itself and the way out.
    this.db = openStoreDatabase(opts.path, SCHEMA);
    this.upgraded = upgradeSchema(this.db);
    this.retain = opts.retainRevisions ?? 10_000;
    this.stmts = prepareStatements(this.db);
    this.compacted = this.stmts.getMeta.get('compacted')?.value ?? 0;
    this.rev = Math.max(this.stmts.maxRev.get()?.rev ?? 0, this.stmts.getMeta.get('revision')?.value ?? 0);
    const stateLost = lostAtStart(opts.path, before, this.stmts.getMeta.get(IN_USE_KEY)?.value === 1);
    if (stateLost) this.health.stateLost(stateLost);
    // In the database file itself, not only in the WAL: a start after a crash must find it there.
    this.stmts.setMeta.run(IN_USE_KEY, 1);
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.openFiles = new OpenFiles([opts.path, `${opts.path}-wal`]);
    this.fileCheck = setInterval(() => (this.batch ? this.flush() : this.checkFiles()), FILE_CHECK_MS).unref();
  }

  /** The newest revision written (the resourceVersion of lists). */
  get revision(): number {
    return this.rev;
  }

  /** Revisions at or below this one are gone from the log. */
  get compactedRevision(): number {
    return this.compacted;
  }

  get(key: ObjectKey): KubeObject | undefined {
    const row = this.stmts.get.get(key.resource, key.namespace, key.name);
    return row ? (JSON.parse(row.value) as KubeObject) : undefined;
  }

  /** All current objects of a resource, optionally in one namespace, with the revision they are consistent with. */
  list(resource: string, namespace?: string): { items: KubeObject[]; revision: number } {
    const rows = namespace === undefined ? this.stmts.listAll.all(resource) : this.stmts.listNs.all(resource, namespace);
    return { items: rows.map((r) => JSON.parse(r.value) as KubeObject), revision: this.rev };
  }

  /** Like list, but the stored JSON texts, for answering a plain list without re-encoding. */
  listRaw(resource: string, namespace?: string): { items: string[]; revision: number } {
    const rows = namespace === undefined ? this.stmts.listAll.all(resource) : this.stmts.listNs.all(resource, namespace);
    return { items: rows.map((r) => r.value), revision: this.rev };
  }

  /**
   * The objects of `resource` as they were at revision `rev`, in key order
   * (namespace, name), those after `after` only; undefined when the log no
   * longer reaches back to `rev`. The current rows are rolled back with the
   * log's earlier values, so a paged list stays one consistent snapshot.
   */
  snapshot(resource: string, rev: number, namespace?: string, after = { namespace: '', name: '' }): SnapshotRow[] | undefined {
    // Compaction never passes the newest revision: a list at the newest revision is always served.
    if (rev < this.compacted) return undefined;
    const inRange = (k: { namespace: string; name: string }) => (namespace === undefined || k.namespace === namespace) && keyAfter(k, after);
    const rows = this.stmts.rowsAll.all(resource, after.namespace, after.name).filter(inRange);
    if (rev >= this.rev) return rows;
    // The value each key had at `rev` is the previous value of its first later change; none when that change
    // created it (a creation replaced no state: its `prev` is null).
    const earlier = new Map<string, SnapshotRow | null>();
    for (const ch of this.stmts.since.all(resource, rev)) {
      const key = `${ch.namespace}/${ch.name}`;
      if (earlier.has(key) || !inRange(ch)) continue;
      earlier.set(key, ch.prev === null ? null : { namespace: ch.namespace, name: ch.name, value: ch.prev });
    }
    const kept = rows.filter((r) => !earlier.has(`${r.namespace}/${r.name}`));
    for (const row of earlier.values()) if (row) kept.push(row);
    return kept.sort((a, b) => (keyAfter(a, b) ? 1 : keyAfter(b, a) ? -1 : 0));
  }

  /** Whether anything namespaced still lives in `namespace`, and in which resources. */
  namespaceContents(namespace: string): { count: number; resources: string[] } {
    return {
      // Stryker disable next-line OptionalChaining: equivalent, COUNT(*) always yields one row
      count: this.stmts.countNs.get(namespace)?.n ?? 0,
      resources: this.stmts.resourcesInNs.all(namespace).map((r) => r.resource),
    };
  }

  /**
   * Writes `obj` (create when `expectedRev` is 0, update otherwise); stamps
   * metadata.resourceVersion with the new revision and returns the stored object.
   */
  put(key: ObjectKey, obj: KubeObject, expectedRev: number): KubeObject {
    return this.write(key, expectedRev, (live, rev) => {
      obj.metadata.resourceVersion = String(rev);
      return { type: live ? 'MODIFIED' : 'ADDED', value: obj };
    });
  }

  /** Removes the object; the DELETED event carries its last state at the new revision. */
  delete(key: ObjectKey, expectedRev: number): KubeObject {
    return this.write(key, expectedRev, (live, rev) => {
      if (!live) throw new RevisionMismatch(key);
      const prev = live();
      const last = { ...prev, metadata: { ...prev.metadata, resourceVersion: String(rev) } };
      return { type: 'DELETED', value: last };
    });
  }

  /** Log events of `resource` after `fromRev`; undefined when that revision was compacted away. */
  eventsSince(resource: string, fromRev: number): StoreEvent[] | undefined {
    if (fromRev < this.compacted) return undefined;
    return this.stmts.since
      .all(resource, fromRev)
      .map((row) => new LogEvent(row.type, row, row.rev, JSON.parse(row.value) as KubeObject, row.prev === null ? undefined : parsedOnce(row.prev)));
  }

  /** Drops the log rows older than the retention window that no live object or retained row needs. */
  compact(retain = this.retain): void {
    const upTo = this.rev - retain;
    if (upTo <= this.compacted) return;
    this.db.transaction(() => {
      this.stmts.prunePrevious.run(this.compacted, upTo);
      this.stmts.pruneDeleted.run(this.compacted, upTo);
      this.stmts.setMeta.run('compacted', upTo);
      // The newest revision must survive even if its rows are pruned.
      this.stmts.setMeta.run('revision', this.rev);
    })();
    this.compacted = upTo;
  }

  /**
   * Resolves once every write made so far is committed (and its events
   * published); rejects with the storage error when that commit failed.
   * Handlers answer a write only after this: nothing acknowledged is lost.
   */
  durable(): Promise<void> {
    return this.batch?.committed ?? Promise.resolve();
  }

  close(): void {
    clearInterval(this.fileCheck);
    this.flush();
    this.hub.closeAll();
    // A clean close: the next start need not look for a WAL.
    this.ignoreStorageFailure(() => this.stmts.setMeta.run(IN_USE_KEY, 0));
    this.db.close();
  }

  /**
   * Notices when the database or WAL is no longer the file this store has
   * open; then saves what it holds (lost-state.ts), reports it in `health`
   * and refuses writes from then on. Runs before each commit and on a timer;
   * never inside a transaction. Returns the refusal, if any.
   */
  private checkFiles(): StorageError | undefined {
    if (this.lost || !this.db.open) return this.lost;
    const lost = this.openFiles.lost();
    if (!lost) return undefined;
    let saved: string;
    try {
      saved = rescue(this.db, this.file, lost, () => this.stmts.setMeta.run(IN_USE_KEY, 0));
    } catch (err) {
      saved = `saving the store elsewhere failed too (${(err as Error).message}): what it holds is lost when the daemon stops`;
    }
    this.lost = new StorageError('lost', this.file, new Error(`${lost.file} was ${lost.how}; ${saved}`));
    this.health.failed(this.lost);
    return this.lost;
  }

  /** While the files are lost, a write is refused unless it only changes a status (rebuilt at the next start) or is an Event. */
  private refuseWhileLost(key: ObjectKey, type: StoreEvent['type'], previous: KubeObject | undefined, next: KubeObject): void {
    if (!this.lost || key.resource === EVENTS) return;
    if (type === 'MODIFIED' && previous && withoutStatus(previous) === withoutStatus(next)) return;
    this.health.failed(this.lost);
    throw this.lost;
  }

  /** Copies the WAL back into the database once the current request's responses and events are written. */
  private scheduleCheckpoint(): void {
    if (this.checkpointScheduled) return;
    // Stryker disable next-line BooleanLiteral: equivalent, a second checkpoint scheduled for the same turn only checkpoints a WAL already checkpointed
    this.checkpointScheduled = true;
    setImmediate(() => {
      this.checkpointScheduled = false;
      // Under a steady stream of writes a batch is open at every turn: commit it now rather than skip the checkpoint.
      this.flush();
      // A subscriber wrote while the events went out: that batch commits first, then the checkpoint runs.
      if (this.batch) return this.scheduleCheckpoint();
      this.writesSinceCheckpoint = 0;
      // A checkpoint that fails (a full disk) is retried by the next one; the WAL keeps the data meanwhile.
      if (this.db.open) this.ignoreStorageFailure(() => this.db.pragma('wal_checkpoint(PASSIVE)'));
    }).unref();
  }

  /**
   * Group commit: the write runs (as a savepoint) inside the transaction of
   * the current batch, which commits at the end of this event-loop turn. Its
   * watch events go out after that commit, in revision order; until then
   * only reads on this connection (requests in the same turn) see it. One
   * commit per batch instead of per write is a quarter of a full sync's
   * store cost (docs/performance.md).
   */
  private write(
    key: ObjectKey,
    expectedRev: number,
    build: Build,
  ): KubeObject {
    const batch = this.storageGuard(() => this.openBatch());
    let event: StoreEvent;
    try {
      event = this.storageGuard(() => this.commit(key, expectedRev, build));
    } catch (err) {
      // SQLite rolls the whole transaction back on some failures (a full disk): the batch's other writes are gone too.
      if (!this.db.inTransaction) this.abandon(batch, err);
      throw err;
    }
    this.rev = event.revision;
    batch.events.push(event);
    // Stryker disable next-line MethodExpression: equivalent, Math.min compacts after every write, which keeps the same window at more cost
    if (++this.writesSinceCompaction >= Math.max(1, Math.floor(this.retain / 10))) {
      this.writesSinceCompaction = 0;
      // A compaction that fails for space is tried again after the next writes.
      this.ignoreStorageFailure(() => this.compact());
    }
    if (batch.events.length >= MAX_BATCH_WRITES) this.flush();
    return event.object;
  }

  private openBatch(): Batch {
    if (this.batch) return this.batch;
    this.stmts.begin.run();
    let resolve!: () => void;
    let reject!: (err: unknown) => void;
    const committed = new Promise<void>((res, rej) => ([resolve, reject] = [res, rej]));
    // Writers outside a request (GC, bootstrap) do not wait: a failed commit is reported through `health`.
    committed.catch(() => undefined);
    const batch: Batch = { events: [], committed, resolve, reject };
    this.batch = batch;
    setImmediate(() => {
      if (this.batch === batch) this.flush();
    });
    return batch;
  }

  /** Commits the open batch, then publishes its events and releases the writers waiting in `durable()`. */
  private flush(): void {
    const batch = this.batch;
    if (!batch || !this.db.open) return;
    this.batch = undefined;
    const newlyLost = this.lost ? undefined : this.lostBeforeCommit();
    if (newlyLost) {
      // Nothing of this batch is acknowledged: it would have gone to a file that is gone.
      batch.reject(newlyLost);
      return;
    }
    try {
      this.stmts.commit.run();
    } catch (err) {
      if (this.db.inTransaction) this.ignoreStorageFailure(() => this.stmts.rollback.run());
      batch.reject(this.storageFailure(err));
      return;
    }
    this.health.writeSucceeded();
    try {
      // Subscribers may write: those writes open the next batch.
      for (const event of batch.events) this.hub.publish(event);
    } finally {
      batch.resolve();
    }
    this.writesSinceCheckpoint += batch.events.length;
    if (this.writesSinceCheckpoint >= CHECKPOINT_EVERY_WRITES) this.scheduleCheckpoint();
  }

  /** Checks the files before a commit; when they are lost, the batch is rolled back first (the check saves the store). */
  private lostBeforeCommit(): StorageError | undefined {
    if (!this.openFiles.lost()) return undefined;
    this.ignoreStorageFailure(() => this.stmts.rollback.run());
    return this.checkFiles();
  }

  /** The transaction is gone (rolled back by SQLite): every write of the batch failed with it. */
  private abandon(batch: Batch, err: unknown): void {
    if (this.batch === batch) this.batch = undefined;
    batch.reject(this.storageFailure(err));
  }

  /**
   * A failure met while serving (reads are not wrapped one by one): SQLite's
   * storage failures become StorageErrors naming this store and are noted in
   * `health`; anything else is returned as it is.
   */
  storageFailure(err: unknown): unknown {
    if (err instanceof StorageError) return err;
    const storage = asStorageError(err, this.file);
    if (storage instanceof StorageError) this.health.failed(storage);
    return storage;
  }

  private storageGuard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw this.storageFailure(err);
    }
  }

  /** For upkeep (compaction, checkpoints) that the next round retries: only damage is worth remembering. */
  private ignoreStorageFailure(fn: () => unknown): void {
    try {
      fn();
    } catch (err) {
      const storage = asStorageError(err, this.file);
      if (!(storage instanceof StorageError)) throw err;
      if (storage.kind === 'damaged') this.health.failed(storage);
    }
  }

  private commit(
    key: ObjectKey,
    expectedRev: number,
    build: Build,
  ): StoreEvent {
    return this.db.transaction((): StoreEvent => {
      const row = this.stmts.get.get(key.resource, key.namespace, key.name);
      if ((row?.rev ?? 0) !== expectedRev) throw new RevisionMismatch(key);
      const rev = this.rev + 1;
      const previous = row && parsedOnce(row.value);
      const { type, value } = build(previous, rev);
      this.refuseWhileLost(key, type, previous?.(), value);
      const json = JSON.stringify(value);
      this.stmts.insertLog.run(rev, type, key.resource, key.namespace, key.name, row?.rev ?? null, json);
      if (type === 'DELETED') this.stmts.remove.run(key.resource, key.namespace, key.name);
      else this.stmts.upsert.run(key.resource, key.namespace, key.name, rev);
      // this.rev moves only once the commit succeeded (in write()).
      return new LogEvent(type, key, rev, value, previous);
    })();
  }
}

/** The revision an object was stored at. */
export function revisionOf(obj: KubeObject | undefined): number {
  return obj ? Number(obj.metadata.resourceVersion ?? 0) : 0;
}
