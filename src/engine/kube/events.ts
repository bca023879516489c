import { randomBytes } from 'node:crypto';
import type { KubeClient } from './client.js';
import { isNotFound } from './client.js';
import type { ResourceRef } from './resources.js';
import type { KubeObject } from './types.js';

/** core/v1 Event, the form the recorder writes (the API server also serves it as events.k8s.io/v1). */
export const EVENT: ResourceRef = { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true };

export type EventType = 'Normal' | 'Warning';

/** What an event is about, as core/v1 ObjectReference. */
export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

/** Where events go; KubeClient satisfies it. */
export type EventSink = Pick<KubeClient, 'create' | 'patch'>;

export interface EventRecorderOptions {
  /** source.component / reportingComponent, e.g. `rdd-app-controller`. */
  component: string;
  /** reportingInstance; default the host name-free `<component>-<random>`. */
  instance?: string;
  /** Distinct events one object may get at once (kube's spam filter: 25). */
  burst?: number;
  /** One more distinct event per this many ms once the burst is spent (kube: 5 minutes). */
  refillMs?: number;
  /** Identical events within this window add to one event's count (kube: 10 minutes). */
  aggregateMs?: number;
  now?: () => Date;
  /** Told about writes that failed; recording never throws. */
  onError?: (err: unknown) => void;
}

interface Aggregate {
  name: string;
  namespace: string;
  count: number;
  written: number;
  first: string;
  last: string;
  lastMs: number;
  writing?: Promise<void>;
}

interface Bucket {
  tokens: number;
  at: number;
}

const MAX_TRACKED = 4096;

function reference(obj: KubeObject | InvolvedObject): InvolvedObject {
  if ('metadata' in obj) {
    const m = (obj as KubeObject).metadata;
    return { apiVersion: obj.apiVersion, kind: obj.kind, name: m.name ?? '', namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion };
  }
  return obj;
}

/**
 * Records core/v1 Events about objects, as client-go's recorder does:
 * identical events (same object, type, reason and message) within the
 * aggregation window become one event whose `count` and `series` grow; each
 * object gets at most `burst` distinct events plus one per `refillMs`, so a
 * failing loop cannot flood the store; at most one write per event is in
 * flight, later repeats ride on the next one.
 */
export class EventRecorder {
  private readonly aggregates = new Map<string, Aggregate>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly pending = new Set<Promise<void>>();
  private readonly opts: Required<Omit<EventRecorderOptions, 'onError'>> & Pick<EventRecorderOptions, 'onError'>;

  constructor(
    private readonly sink: EventSink,
    options: EventRecorderOptions,
  ) {
    this.opts = {
      instance: `${options.component}-${randomBytes(3).toString('hex')}`,
      burst: 25,
      refillMs: 5 * 60_000,
      aggregateMs: 10 * 60_000,
      now: () => new Date(),
      ...options,
    };
  }

  /** Records an event about `involved` (an object or a reference to one). Never throws; writes happen in the background. */
  record(involved: KubeObject | InvolvedObject, type: EventType, reason: string, message: string): void {
    const ref = reference(involved);
    const now = this.opts.now();
    const key = JSON.stringify([ref.namespace, ref.kind, ref.name, ref.uid, type, reason, message]);
    const agg = this.aggregates.get(key);
    if (agg && now.getTime() - agg.lastMs <= this.opts.aggregateMs) {
      agg.count++;
      agg.last = now.toISOString();
      agg.lastMs = now.getTime();
      this.schedule(agg, ref, type, reason, message);
      return;
    }
    if (!this.take(JSON.stringify([ref.namespace, ref.kind, ref.name, ref.uid]), now.getTime())) return;
    const fresh: Aggregate = {
      name: `${ref.name}.${now.getTime().toString(16)}${randomBytes(2).toString('hex')}`,
      namespace: ref.namespace || 'default',
      count: 1,
      written: 0,
      first: now.toISOString(),
      last: now.toISOString(),
      lastMs: now.getTime(),
    };
    this.aggregates.delete(key);
    this.aggregates.set(key, fresh);
    if (this.aggregates.size > MAX_TRACKED) this.aggregates.delete(this.aggregates.keys().next().value as string);
    this.schedule(fresh, ref, type, reason, message);
  }

  /** Resolves once every write started so far has finished (shutdown, tests). */
  async flush(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  /** Token bucket per object. */
  private take(objectKey: string, now: number): boolean {
    const b = this.buckets.get(objectKey) ?? { tokens: this.opts.burst, at: now };
    const refilled = Math.min(this.opts.burst, b.tokens + Math.floor((now - b.at) / this.opts.refillMs));
    const at = refilled > b.tokens ? now : b.at;
    if (refilled < 1) {
      this.buckets.set(objectKey, { tokens: refilled, at });
      return false;
    }
    this.buckets.set(objectKey, { tokens: refilled - 1, at });
    if (this.buckets.size > MAX_TRACKED) this.buckets.delete(this.buckets.keys().next().value as string);
    return true;
  }

  private schedule(agg: Aggregate, ref: InvolvedObject, type: EventType, reason: string, message: string): void {
    if (agg.writing) return;
    const run = async () => {
      while (agg.written < agg.count) {
        const count = agg.count;
        try {
          await this.write(agg, ref, type, reason, message, count);
        } catch (err) {
          this.opts.onError?.(err);
        }
        agg.written = count;
      }
    };
    const p = run().finally(() => {
      agg.writing = undefined;
      this.pending.delete(p);
    });
    agg.writing = p;
    this.pending.add(p);
  }

  private async write(agg: Aggregate, ref: InvolvedObject, type: EventType, reason: string, message: string, count: number): Promise<void> {
    const series = count > 1 ? { series: { count, lastObservedTime: toMicroTime(agg.last) } } : {};
    if (agg.written > 0) {
      try {
        await this.sink.patch(EVENT, agg.name, { count, lastTimestamp: toSeconds(agg.last), ...series }, { type: 'merge', namespace: agg.namespace });
        return;
      } catch (err) {
        // Expired (TTL) or deleted: record it afresh under the same name.
        if (!isNotFound(err)) throw err;
      }
    }
    const event: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: agg.name, namespace: agg.namespace },
      involvedObject: { ...ref },
      reason,
      message,
      type,
      count,
      firstTimestamp: toSeconds(agg.first),
      lastTimestamp: toSeconds(agg.last),
      source: { component: this.opts.component },
      reportingComponent: this.opts.component,
      reportingInstance: this.opts.instance,
      ...series,
    };
    await this.sink.create(EVENT, event);
  }
}

/** metav1.Time has whole seconds. */
const toSeconds = (iso: string): string => iso.replace(/\.\d+Z$/, 'Z');
/** metav1.MicroTime has microseconds. */
const toMicroTime = (iso: string): string => iso.replace(/\.(\d+)Z$/, (_, ms: string) => `.${ms.padEnd(6, '0')}Z`);
