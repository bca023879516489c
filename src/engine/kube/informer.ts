import { setTimeout as delay } from 'node:timers/promises';
import { defaultBackoff, type BackoffFn } from '../base/backoff.js';
import type { Logger } from '../base/log.js';
import { isGone, type KubeClient } from './client.js';
import type { ResourceRef } from './resources.js';
import type { KubeObject, Status } from './types.js';

export type InformerEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
/** `old` is the cached object a MODIFIED or DELETED replaces, when the informer had one. */
export type InformerListener<T> = (type: InformerEventType, obj: T, old?: T) => void;

export interface InformerOptions {
  namespace?: string;
  fieldSelector?: string;
  labelSelector?: string;
  log: Logger;
  /** Delay before re-watching after the n-th failure in a row; tests pass a fast one. */
  backoff?: BackoffFn;
}

const cacheKey = (obj: KubeObject): string => `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
const isStatus = (obj: unknown): obj is Status => (obj as Status | undefined)?.kind === 'Status';

/**
 * The one informer rdd uses, in the daemon's controllers and in the CLI:
 *
 * - list, then watch from the list's resourceVersion, keeping a cache;
 * - a closed stream re-watches from the last version seen (bookmarks too);
 * - 410 Gone (as an HTTP answer or an ERROR event) relists, and the relist
 *   reports DELETED for cached objects the new list no longer has, so a
 *   deletion during a gap is never lost;
 * - any other failure re-watches after a backoff, which any event resets.
 *
 * client-node's makeInformer does the same over its own HTTP stack built from a
 * KubeConfig; this one runs over the caller's KubeClient (one keep-alive agent,
 * the instance's CA and token, in-process in the daemon) and takes an
 * injectable backoff, which the fault tests need.
 */
export class Informer<T extends KubeObject = KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly listeners = new Set<InformerListener<T>>();
  private readonly abort = new AbortController();
  private readonly backoff: BackoffFn;
  private resourceVersion?: string;
  private loop?: Promise<void>;
  private markSynced!: () => void;
  private readonly synced = new Promise<void>((resolve) => (this.markSynced = resolve));

  constructor(
    private readonly client: KubeClient,
    private readonly ref: ResourceRef,
    private readonly options: InformerOptions,
  ) {
    this.backoff = options.backoff ?? defaultBackoff;
  }

  /** Subscribes to changes; returns the unsubscribe function. Listeners only enqueue work: a throw is logged. */
  on(listener: InformerListener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.cache.get(`${namespace ?? ''}/${name}`);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  /** Starts the loop (once, however often it is called); resolves once the first list has been delivered, or on stop. */
  start(): Promise<void> {
    this.loop ??= this.run();
    return this.synced;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.markSynced();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    const { log } = this.options;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (this.resourceVersion === undefined) {
          await this.relist();
          this.markSynced();
        }
        await this.client.watch<T>(
          this.ref,
          { ...this.selectors(), resourceVersion: this.resourceVersion, signal },
          (event) => {
            failures = 0;
            const obj = event.object;
            if (event.type === 'ERROR') {
              if (isStatus(obj) && obj.code === 410) this.resourceVersion = undefined;
              else log.warn(`${this.ref.kind} watch reported an error`, { status: isStatus(obj) ? obj.message : undefined });
              return;
            }
            if (isStatus(obj)) return;
            if (obj.metadata.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
            if (event.type !== 'BOOKMARK') this.apply(event.type, obj as T);
          },
        );
      } catch (err) {
        if (signal.aborted) break;
        if (isGone(err)) {
          this.resourceVersion = undefined;
          continue;
        }
        failures++;
        const wait = this.backoff(failures);
        log.warn(`${this.ref.kind} watch failed, retrying in ${wait} ms`, { error: err });
        await delay(wait, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  private selectors() {
    const { namespace, fieldSelector, labelSelector } = this.options;
    return { namespace, fieldSelector, labelSelector };
  }

  private async relist(): Promise<void> {
    const list = await this.client.list<T>(this.ref, this.selectors());
    const fresh = new Map(list.items.map((obj) => [cacheKey(obj), obj]));
    for (const [key, old] of this.cache) if (!fresh.has(key)) this.apply('DELETED', old);
    for (const obj of list.items) {
      const old = this.cache.get(cacheKey(obj));
      if (!old || old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.apply(old ? 'MODIFIED' : 'ADDED', obj);
    }
    this.resourceVersion = list.metadata.resourceVersion;
  }

  private apply(type: InformerEventType, obj: T): void {
    const old = this.cache.get(cacheKey(obj));
    if (type === 'DELETED') this.cache.delete(cacheKey(obj));
    else this.cache.set(cacheKey(obj), obj);
    for (const listener of this.listeners) {
      try {
        listener(type, obj, old);
      } catch (err) {
        this.options.log.error(`${this.ref.kind} informer listener failed`, { error: err });
      }
    }
  }
}
