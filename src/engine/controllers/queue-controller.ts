import type { BackoffFn } from '../base/backoff.js';
import type { Logger } from '../base/log.js';
import type { AppObject } from '../kube/app.js';
import type { KubeClient } from '../kube/client.js';
import { EventRecorder } from '../kube/events.js';
import type { Informer, InformerEventType, InformerListener } from '../kube/informer.js';
import type { KubeObject } from '../kube/types.js';
import { AppSource } from './app-source.js';
import type { Controller, ReconcileResult } from './controller.js';
import type { NewInputPredicate } from './predicates.js';
import { WorkQueue } from './work-queue.js';

/** What the scaffold needs of a controller's dependencies. */
export interface QueueControllerDeps {
  client: KubeClient;
  log: Logger;
  /** The daemon's shared App informer; a controller without one watches the App itself. */
  app?: Informer<AppObject>;
  /** Work-queue and watch retry delays; tests pass a fast one. */
  backoff?: BackoffFn;
}

export interface QueueOptions<K> {
  /** The key's identity: two keys with the same id are the same work. Also how logs name it. */
  idOf: (key: K) => string;
  /** Keys reconciled at once; one key never runs concurrently with itself. */
  concurrency?: number;
}

/** Something started with the controller and stopped with it: an informer, or another change feed. */
export interface Source {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** An informer, or the App source. */
interface EventSource<T extends KubeObject> extends Source {
  on(listener: InformerListener<T>): unknown;
}

/** How one source's events become work (controller-runtime's For/Owns/Watches with WithEventFilter). */
export interface Watch<K, T extends KubeObject> {
  /** The keys an event touches (often one, none for an event that means no work). */
  keysOf: (type: InformerEventType, obj: T, old?: T) => readonly K[];
  isNewInput: NewInputPredicate<T>;
}

/**
 * The one way to build a controller: a typed work queue, a logger child, an
 * Event recorder, the App (shared informer or one of its own) and any other
 * sources, started and stopped together. Sources only enqueue: new input
 * (per the watch's predicate) runs a key at once, anything else waits out its
 * backoff. A subclass writes `reconcile` and says what to do once the sources
 * have synced (`started`) and before the queue drains on stop (`stopping`).
 */
export abstract class QueueController<K> implements Controller {
  readonly log: Logger;
  protected readonly events: EventRecorder;
  protected readonly queue: WorkQueue<K>;
  protected readonly app: AppSource;
  private readonly sources: Source[] = [];
  /** The watches' subscriptions, made on start: no work runs before the controller starts. */
  private readonly subscriptions: (() => void)[] = [];

  constructor(
    readonly name: string,
    deps: QueueControllerDeps,
    options: QueueOptions<K>,
  ) {
    this.log = deps.log.child(name);
    this.events = new EventRecorder(deps.client, { component: `rdd-${name}`, onError: (err) => this.log.debug('cannot record an event', { error: err }) });
    this.queue = new WorkQueue<K>({ name, log: this.log, backoff: deps.backoff, ...options, reconcile: (key) => this.reconcile(key) });
    this.app = new AppSource(deps.client, deps.app, this.log, deps.backoff);
    this.sources.push(this.app);
  }

  protected abstract reconcile(key: K): Promise<ReconcileResult | void>;

  /** Turns the source's events into work from start on; the source starts and stops with the controller. */
  protected watch<T extends KubeObject>(source: EventSource<T>, watch: Watch<K, T>): void {
    this.subscriptions.push(() =>
      source.on((type, obj, old) => {
        const keys = watch.keysOf(type, obj, old);
        if (keys.length === 0) return;
        const enqueue = watch.isNewInput(type, obj, old) ? (key: K) => this.queue.retry(key) : (key: K) => this.queue.add(key);
        keys.forEach(enqueue);
      }),
    );
    this.addSource(source);
  }

  /** A source started (in parallel with the others) with the controller and stopped with it. */
  protected addSource(source: Source): void {
    if (!this.sources.includes(source)) this.sources.push(source);
  }

  /** Once every source has synced: enqueue the first work. */
  protected started(): void {}

  /** After the sources stopped, before the queue waits for the reconciles in flight: cut what they wait on. */
  protected stopping(): void {}

  async start(): Promise<void> {
    for (const subscribe of this.subscriptions) subscribe();
    await Promise.all(this.sources.map((s) => s.start()));
    this.started();
  }

  async stop(): Promise<void> {
    await this.halt();
    await this.events.flush();
  }

  /** Stops the sources, then the queue (waiting for the reconciles in flight). */
  protected async halt(): Promise<void> {
    await Promise.all(this.sources.map((s) => s.stop()));
    this.stopping();
    await this.queue.stop();
  }
}
