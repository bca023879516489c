import { defaultBackoff, type BackoffFn } from '../base/backoff.js';
import { isTerminal } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import type { ReconcileResult } from './controller.js';

export interface WorkQueueOptions<K> {
  name: string;
  reconcile: (key: K) => Promise<ReconcileResult | void>;
  /** The key's identity: two keys with the same id are the same work. Also how logs name it. */
  idOf: (key: K) => string;
  log: Logger;
  backoff?: BackoffFn;
  /** Keys reconciled at once; one key never runs concurrently with itself. */
  concurrency?: number;
}

/**
 * A controller-runtime style queue over typed keys:
 *
 * - adding a key that is already waiting is a no-op; a key added while it runs
 *   runs once more afterwards;
 * - a failure is retried with per-key backoff, and `add` never shortens that
 *   backoff: a failing key's own status writes, coming back as watch events,
 *   must not turn the backoff into a hot loop. `retry` is for a real change of
 *   input (a new generation): it forgets the failures and runs the key now;
 * - a TerminalError parks the key: nothing but `retry` runs it again;
 * - a `retry` while the key runs is new input the run may not have seen: if
 *   that run fails, the key runs again at once instead of backing off;
 * - success forgets the failures.
 */
export class WorkQueue<K> {
  private readonly keys = new Map<string, K>();
  private readonly order: string[] = [];
  private readonly waiting = new Set<string>();
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly parked = new Set<string>();
  /** Keys whose input changed (`retry`) while they ran. */
  private readonly renewed = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly idleWaiters: (() => void)[] = [];
  private stopped = false;
  private readonly backoff: BackoffFn;
  private readonly concurrency: number;

  constructor(private readonly opts: WorkQueueOptions<K>) {
    this.backoff = opts.backoff ?? defaultBackoff;
    this.concurrency = opts.concurrency ?? 1;
  }

  /**
   * How many keys the queue holds on to (waiting, running, backing off or
   * parked). A daemon sees keys come and go for weeks: one it is done with
   * must not stay behind.
   */
  get size(): number {
    return this.keys.size;
  }

  /** Something about the key changed: run it soon, unless it is backing off or parked. */
  add(key: K): void {
    const id = this.opts.idOf(key);
    if (this.stopped || this.parked.has(id)) return;
    if (this.running.has(id)) {
      // Run it again afterwards, with what changed meanwhile; if this run fails, the backoff decides.
      this.dirty.add(id);
      return;
    }
    if (this.failures.has(id)) return;
    this.clearTimer(id);
    this.enqueue(id, key);
  }

  /** The key's input changed: forget its failures (and a parking) and run it now. */
  retry(key: K): void {
    const id = this.opts.idOf(key);
    if (this.stopped) return;
    this.failures.delete(id);
    this.parked.delete(id);
    this.clearTimer(id);
    if (this.running.has(id)) this.renewed.add(id);
    this.enqueue(id, key);
  }

  /** Runs the key after `delayMs` unless something runs it earlier. */
  addAfter(key: K, delayMs: number): void {
    const id = this.opts.idOf(key);
    if (this.stopped || this.parked.has(id) || this.timers.has(id)) return;
    this.keys.set(id, key);
    const timer = setTimeout(() => {
      this.timers.delete(id);
      this.enqueue(id, this.keys.get(id) ?? key);
    }, delayMs);
    timer.unref();
    this.timers.set(id, timer);
  }

  /** Resolves when nothing is waiting or running (timers may still be pending). */
  async idle(): Promise<void> {
    if (this.order.length === 0 && this.running.size === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.order.length = 0;
    this.waiting.clear();
    this.dirty.clear();
    await this.idle();
  }

  private clearTimer(id: string): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
  }

  private enqueue(id: string, key: K): void {
    if (this.stopped) return;
    this.keys.set(id, key);
    if (this.running.has(id)) {
      this.dirty.add(id);
      return;
    }
    if (this.waiting.has(id)) return;
    this.waiting.add(id);
    this.order.push(id);
    this.pump();
  }

  private pump(): void {
    while (this.running.size < this.concurrency) {
      const index = this.order.findIndex((id) => !this.running.has(id));
      if (index < 0) break;
      const [id] = this.order.splice(index, 1);
      this.waiting.delete(id);
      this.running.add(id);
      void this.run(id, this.keys.get(id)!);
    }
    if (this.order.length === 0 && this.running.size === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async run(id: string, key: K): Promise<void> {
    const { name, log } = this.opts;
    try {
      const result = await this.opts.reconcile(key);
      this.renewed.delete(id);
      this.failures.delete(id);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (err) {
      if (this.renewed.delete(id)) {
        // It failed on input that has changed since: run it again on the new input now (`dirty` is set).
        this.failures.delete(id);
        log.warn(`${name}: reconcile of ${id} failed; its input changed meanwhile, running it again`, { error: err });
      } else if (isTerminal(err)) {
        this.failures.delete(id);
        this.parked.add(id);
        this.dirty.delete(id);
        this.clearTimer(id);
        log.warn(`${name}: reconcile of ${id} failed; not retrying until its input changes`, { error: err });
      } else {
        const failures = (this.failures.get(id) ?? 0) + 1;
        this.failures.set(id, failures);
        const delay = this.backoff(failures);
        log.warn(`${name}: reconcile of ${id} failed (${failures} in a row), retrying in ${delay} ms`, { error: err });
        this.clearTimer(id);
        this.addAfter(key, delay);
        // Events that arrived while it ran wait for the backoff too.
        this.dirty.delete(id);
      }
    } finally {
      this.running.delete(id);
      if (this.dirty.delete(id)) this.enqueue(id, this.keys.get(id) ?? key);
      if (!this.waiting.has(id) && !this.running.has(id) && !this.timers.has(id) && !this.failures.has(id) && !this.parked.has(id)) {
        this.keys.delete(id);
      }
      this.pump();
    }
  }
}
