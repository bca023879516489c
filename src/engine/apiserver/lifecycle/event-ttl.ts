import type { KubeObject } from '../../kube/types.js';
import type { Logger } from '../../base/log.js';
import { EVENTS } from '../registry/events.js';
import { revisionOf, type Store } from '../store/store.js';
import { nameOf } from '../store/stored-object.js';

/* Events expire a while (an hour by default: server.ts) after their last change, as kube's etcd lease does. */

/** When an event last changed: the newest of its timestamps. */
export function lastSeen(ev: KubeObject): number {
  const series = ev.series as { lastObservedTime?: string } | undefined;
  const times = [ev.metadata.creationTimestamp, ev.lastTimestamp, ev.eventTime, series?.lastObservedTime];
  return Math.max(0, ...times.filter((t): t is string => typeof t === 'string').map((t) => Date.parse(t)).filter((t) => !Number.isNaN(t)));
}

/** Expired events deleted between two yields to the event loop. */
const SWEEP_BATCH = 100;

/** The longest delay setTimeout takes (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** No sooner than this after a sweep: an event whose deletion failed does not make a hot loop. */
const MIN_SWEEP_GAP_MS = 1_000;

/**
 * Deletes events not changed for `ttlMs`; the store stays bounded however many events are
 * recorded. One timer, set for when the oldest event expires (after a sweep, or when the first
 * event is recorded): no timer while there are no events, and no listing of events before any
 * can have expired.
 */
export class EventTtl {
  private timer?: NodeJS.Timeout;
  private due = Infinity;
  private sweeping = false;
  private stopped = false;
  private unsubscribe = () => {};
  /** The earliest expiry among the events the last sweep kept. */
  private nextExpiry = Infinity;

  constructor(
    private readonly store: Store,
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    // A changed event expires later than the timer already set; a new one when no timer is.
    this.unsubscribe = this.store.hub.subscribe(EVENTS.storageKey, { onEvent: () => this.sweepAt(Date.now() + this.ttlMs), onClose: () => {} });
    this.run();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    clearTimeout(this.timer);
  }

  private run(): void {
    if (this.sweeping || this.stopped) return;
    this.sweeping = true;
    this.due = Infinity;
    this.sweep()
      .catch((err: unknown) => {
        this.log.warn('event expiry failed', { error: err });
        this.nextExpiry = Date.now() + Math.min(60_000, this.ttlMs);
      })
      .finally(() => {
        this.sweeping = false;
        this.sweepAt(this.nextExpiry);
      });
  }

  /** Makes sure a sweep runs at `at` (or earlier); 1 ms later, as an event is expired once strictly older than the TTL. */
  private sweepAt(at: number): void {
    // During a sweep: an event recorded meanwhile may not be in its listing; the next timer covers it.
    if (this.sweeping) this.nextExpiry = Math.min(this.nextExpiry, at);
    if (this.stopped || this.sweeping || !Number.isFinite(at) || at >= this.due) return;
    clearTimeout(this.timer);
    this.due = at;
    this.timer = setTimeout(() => this.run(), Math.min(MAX_TIMER_MS, Math.max(MIN_SWEEP_GAP_MS, at + 1 - Date.now())));
    this.timer.unref();
  }

  /**
   * Removes the expired events; returns how many. Yields every few
   * deletions so requests are served and the store's WAL is checkpointed
   * meanwhile (one long run of writes grows the WAL file by pages per write).
   */
  async sweep(now = Date.now()): Promise<number> {
    let removed = 0;
    this.nextExpiry = Infinity;
    for (const ev of this.store.list(EVENTS.storageKey).items) {
      if (this.stopped) break;
      if (now - lastSeen(ev) <= this.ttlMs) {
        this.nextExpiry = Math.min(this.nextExpiry, lastSeen(ev) + this.ttlMs);
        continue;
      }
      const key = { resource: EVENTS.storageKey, namespace: ev.metadata.namespace ?? '', name: nameOf(ev) };
      try {
        this.store.delete(key, revisionOf(ev));
        removed++;
      } catch (err) {
        // Changed since listed: it is no longer expired, or the next sweep (soon) gets it.
        this.log.debug('event expiry skipped an event that changed', { name: key.name, err });
        this.nextExpiry = Math.min(this.nextExpiry, now);
      }
      if (removed % SWEEP_BATCH === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    return removed;
  }
}
