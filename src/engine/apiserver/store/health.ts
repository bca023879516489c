import type { StorageError } from './open.js';

/** Condition-style reasons: what `/healthz/store` answers and the App's StoreHealthy condition shows. */
export const StoreHealthReason = { Healthy: 'Healthy', DiskFull: 'DiskFull', Damaged: 'Damaged', IOError: 'IOError' } as const;
export type StoreHealthReason = (typeof StoreHealthReason)[keyof typeof StoreHealthReason];

/** A stretch of refused requests. */
export interface StoreProblem {
  reason: Exclude<StoreHealthReason, 'Healthy'>;
  message: string;
  /** When the first request was refused (ISO time). */
  since: string;
  /** When a write succeeded again; absent while it lasts. */
  until?: string;
  /** Requests the store refused: writes for lack of space, any request that met damage. */
  refused: number;
}

/** What `GET /healthz/store` answers. */
export interface StoreHealthReport {
  healthy: boolean;
  /** The problem going on now, if any. */
  problem?: StoreProblem;
  /** The last problem that ended (writes succeeded again), if any since the start. */
  lastProblem?: StoreProblem;
}

const REASON_OF: Record<StorageError['kind'], StoreProblem['reason']> = { full: 'DiskFull', damaged: 'Damaged', io: 'IOError' };

/**
 * The store's health as its requests find it, kept in memory: a full disk
 * cannot record its own fullness. Lack of space and I/O errors end with the
 * next write that succeeds; damage lasts until the daemon restarts (the start
 * checks the file and refuses it).
 */
export class StoreHealth {
  private problem?: StoreProblem;
  private lastProblem?: StoreProblem;
  private readonly listeners = new Set<() => void>();

  failed(err: StorageError): void {
    const reason = REASON_OF[err.kind];
    if (this.problem?.reason !== reason && this.problem?.reason !== 'Damaged') {
      this.problem = { reason, message: err.message, since: new Date().toISOString(), refused: 0 };
      this.changed();
    }
    if (this.problem) this.problem.refused++;
  }

  writeSucceeded(): void {
    if (!this.problem || this.problem.reason === 'Damaged') return;
    this.lastProblem = { ...this.problem, until: new Date().toISOString() };
    this.problem = undefined;
    this.changed();
  }

  /**
   * Calls `listener` (synchronously, inside the failing or succeeding request) when a problem
   * starts, changes its reason or ends; not for each further refused request, so a listener
   * that writes does not feed itself. Returns the unsubscribe function.
   */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  report(): StoreHealthReport {
    return {
      healthy: this.problem === undefined,
      ...(this.problem && { problem: { ...this.problem } }),
      ...(this.lastProblem && { lastProblem: { ...this.lastProblem } }),
    };
  }
}
