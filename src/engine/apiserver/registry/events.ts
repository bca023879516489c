import type { JSONSchemaProps, PrinterColumn } from '../../kube/json-schema.js';
import type { KubeObject } from '../../kube/types.js';
import type { Logger } from '../../base/log.js';
import { ALL_VERBS, builtin } from './core-kinds.js';
import type { ResourceInfo } from './registry.js';
import type { ComputedColumn } from '../table/table.js';
import { revisionOf, type Store } from '../store/store.js';

/*
 * Events are stored once, in core/v1 form; events.k8s.io/v1 is a second
 * view of the same objects, converted field by field as kube converts them.
 * Events expire an hour after their last change, as kube's etcd lease does.
 */

const string: JSONSchemaProps = { type: 'string' };
const integer: JSONSchemaProps = { type: 'integer' };
// client-go sends unset timestamps as null.
const time: JSONSchemaProps = { type: 'string', format: 'date-time', nullable: true };
const objectReference: JSONSchemaProps = {
  type: 'object',
  properties: { kind: string, namespace: string, name: string, uid: string, apiVersion: string, resourceVersion: string, fieldPath: string },
};
const series: JSONSchemaProps = { type: 'object', nullable: true, properties: { count: integer, lastObservedTime: time } };
const source: JSONSchemaProps = { type: 'object', properties: { component: string, host: string } };

const REFERENCE_FIELDS = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'];

const CORE_SCHEMA: JSONSchemaProps = {
  type: 'object',
  properties: {
    involvedObject: objectReference,
    reason: string,
    message: string,
    source,
    firstTimestamp: time,
    lastTimestamp: time,
    count: integer,
    type: string,
    eventTime: time,
    series,
    action: string,
    related: { ...objectReference, nullable: true },
    reportingComponent: string,
    reportingInstance: string,
  },
};

const V1_SCHEMA: JSONSchemaProps = {
  type: 'object',
  properties: {
    eventTime: time,
    series,
    reportingController: string,
    reportingInstance: string,
    action: string,
    reason: string,
    regarding: objectReference,
    related: { ...objectReference, nullable: true },
    note: string,
    type: string,
    deprecatedSource: source,
    deprecatedFirstTimestamp: time,
    deprecatedLastTimestamp: time,
    deprecatedCount: integer,
  },
};

/** kube's OBJECT column: `<kind in lower case>/<name>` of the object the event is about. */
function objectColumn(field: string): ComputedColumn {
  return {
    name: 'Object',
    type: 'string',
    jsonPath: `.${field}`,
    cell: (obj) => {
      const ref = (obj[field] ?? {}) as { kind?: string; name?: string };
      return `${(ref.kind ?? '').toLowerCase()}/${ref.name ?? ''}`;
    },
  };
}

const columns = (object: string, message: string, last: string): PrinterColumn[] => [
  { name: 'Last Seen', type: 'date', jsonPath: last },
  { name: 'Type', type: 'string', jsonPath: '.type' },
  { name: 'Reason', type: 'string', jsonPath: '.reason' },
  objectColumn(object),
  { name: 'Message', type: 'string', jsonPath: message },
];

/** core/v1 field ↔ events.k8s.io/v1 field. */
const FIELD_MAP: [string, string][] = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['reportingComponent', 'reportingController'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
];
const SHARED = ['eventTime', 'series', 'reportingInstance', 'action', 'reason', 'related', 'type'];

function convert(obj: KubeObject, apiVersion: string, pairs: [string, string][]): KubeObject {
  const out: KubeObject = { apiVersion, kind: 'Event', metadata: obj.metadata };
  for (const field of SHARED) if (obj[field] !== undefined) out[field] = obj[field];
  for (const [from, to] of pairs) if (obj[from] !== undefined) out[to] = obj[from];
  return out;
}

/**
 * The events.k8s.io/v1 view. eventTime is required there; events recorded
 * the core/v1 way have none, and kube shows them with `eventTime: null`,
 * which typed clients (python3-kubernetes) refuse to decode. This view
 * shows the first time the event was seen instead.
 */
export function toEventsV1(obj: KubeObject): KubeObject {
  const out = convert(obj, 'events.k8s.io/v1', FIELD_MAP);
  if (typeof out.eventTime !== 'string') {
    const first = (typeof obj.firstTimestamp === 'string' ? obj.firstTimestamp : undefined) ?? obj.metadata.creationTimestamp;
    if (first) out.eventTime = first.replace(/(\.\d+)?Z$/, '.000000Z');
  }
  return out;
}
export const toCoreEvent = (obj: KubeObject): KubeObject =>
  convert(
    obj,
    'v1',
    FIELD_MAP.map(([core, v1]) => [v1, core]),
  );

export const EVENTS = builtin({
  plural: 'events',
  kind: 'Event',
  shortNames: ['ev'],
  schema: CORE_SCHEMA,
  columns: columns('involvedObject', '.message', '.lastTimestamp'),
  selectableFields: [...REFERENCE_FIELDS.map((f) => `involvedObject.${f}`), 'reason', 'reportingComponent', 'type'],
});

export const EVENTS_V1: ResourceInfo = {
  ...builtin({
    group: 'events.k8s.io',
    plural: 'events',
    kind: 'Event',
    shortNames: ['ev'],
    schema: V1_SCHEMA,
    columns: columns('regarding', '.note', '.deprecatedLastTimestamp'),
    selectableFields: [...REFERENCE_FIELDS.map((f) => `regarding.${f}`), 'reason', 'reportingController', 'type'],
  }),
  storageKey: EVENTS.storageKey,
  verbs: ALL_VERBS,
  conversion: { stored: EVENTS, fromStored: toEventsV1, toStored: toCoreEvent },
};

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
      const key = { resource: EVENTS.storageKey, namespace: ev.metadata.namespace ?? '', name: ev.metadata.name ?? '' };
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
