import type { Logger } from '../base/log.js';
import { defaultBackoff, type BackoffFn } from '../base/backoff.js';
import type { ReconcileResult } from './controller.js';

export interface WorkQueueOptions {
  name: string;
  reconcile: (key: string) => Promise<ReconcileResult | void>;
  log: Logger;
  backoff?: BackoffFn;
  /** Keys reconciled at once; one key never runs concurrently with itself. */
  concurrency?: number;
}

/**
 * A controller-runtime style queue: adding a key that is already waiting is a
 * no-op, a key added while it runs is run once more afterwards, failures are
 * retried with per-key backoff, and success resets the backoff.
 */
export class WorkQueue {
  private readonly waiting = new Set<string>();
  private readonly order: string[] = [];
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly idleWaiters: (() => void)[] = [];
  private stopped = false;
  private readonly backoff: BackoffFn;
  private readonly concurrency: number;

  constructor(private readonly opts: WorkQueueOptions) {
    this.backoff = opts.backoff ?? defaultBackoff;
    this.concurrency = opts.concurrency ?? 1;
  }

  add(key: string): void {
    if (this.stopped) return;
    const timer = this.timers.get(key);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(key);
    }
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.waiting.has(key)) return;
    this.waiting.add(key);
    this.order.push(key);
    this.pump();
  }

  addAfter(key: string, delayMs: number): void {
    if (this.stopped || this.timers.has(key)) return;
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, timer);
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

  private pump(): void {
    while (this.running.size < this.concurrency) {
      const index = this.order.findIndex((k) => !this.running.has(k));
      if (index < 0) break;
      const [key] = this.order.splice(index, 1);
      this.waiting.delete(key);
      this.running.add(key);
      void this.run(key);
    }
    if (this.order.length === 0 && this.running.size === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async run(key: string): Promise<void> {
    try {
      const result = await this.opts.reconcile(key);
      this.failures.delete(key);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch (err) {
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      const delay = this.backoff(failures);
      this.opts.log.warn(`${this.opts.name}: reconcile of ${key} failed, retrying in ${delay} ms`, { error: err });
      this.addAfter(key, delay);
    } finally {
      this.running.delete(key);
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }
}
