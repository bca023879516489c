import type { StorageError } from './open.js';

/**
 * Condition-style reasons: what `/healthz/store` answers and the App's StoreHealthy condition shows.
 * FileLost: the database or its WAL was removed or replaced under the running daemon (writes are
 * refused until it restarts). StateLost: this start found that committed writes are gone (a WAL
 * removed before a crash, a store re-created beside the backup of an earlier one).
 */
export const StoreHealthReason = {
  Healthy: 'Healthy',
  DiskFull: 'DiskFull',
  Damaged: 'Damaged',
  IOError: 'IOError',
  FileLost: 'FileLost',
  StateLost: 'StateLost',
} as const;
export type StoreHealthReason = (typeof StoreHealthReason)[keyof typeof StoreHealthReason];

/** Problems a successful write does not end: they last until the daemon restarts. */
const LASTING: ReadonlySet<StoreHealthReason> = new Set(['Damaged', 'FileLost', 'StateLost']);

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

const REASON_OF: Record<StorageError['kind'], StoreProblem['reason']> = { full: 'DiskFull', damaged: 'Damaged', io: 'IOError', lost: 'FileLost' };

/**
 * The store's health as its requests find it, kept in memory: a full disk
 * cannot record its own fullness. Lack of space and I/O errors end with the
 * next write that succeeds; damage and lost files or state last until the
 * daemon restarts (the start checks the file and refuses or reports it).
 */
export class StoreHealth {
  private problem?: StoreProblem;
  private lastProblem?: StoreProblem;
  private readonly listeners = new Set<() => void>();

  failed(err: StorageError): void {
    this.start(REASON_OF[err.kind], err.message);
    if (this.problem) this.problem.refused++;
  }

  /** The start found committed state gone: shown until the daemon restarts, though writes succeed. */
  stateLost(message: string): void {
    this.start('StateLost', message);
  }

  private start(reason: StoreProblem['reason'], message: string): void {
    if (this.problem?.reason === reason) return;
    // A lasting problem stays, but files lost now outrank it: writes are refused from here on.
    if (this.problem && LASTING.has(this.problem.reason) && reason !== 'FileLost') return;
    this.problem = { reason, message, since: new Date().toISOString(), refused: 0 };
    this.changed();
  }

  writeSucceeded(): void {
    if (!this.problem || LASTING.has(this.problem.reason)) return;
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
