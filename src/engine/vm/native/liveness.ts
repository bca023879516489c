/** One look at a running engine: is its socket there, did it answer a ping in time. */
export interface Probe {
  socket: boolean;
  answered: boolean;
  /** When the probe was sent (ms since the epoch). */
  at: number;
}

export type LivenessVerdict =
  | { kind: 'healthy' }
  /** Its socket file is gone: nobody can reach it, and it never makes the file again on its own. */
  | { kind: 'socket-missing' }
  /** It has not answered since `since`, for less than the grace period: reported, not yet acted on. */
  | { kind: 'unresponsive'; since: number }
  /** It has not answered for the whole grace period: it is killed and restarted. */
  | { kind: 'hung'; since: number };

/**
 * Decides from successive probes whether a running engine is alive. A process
 * that exists but does not answer (stopped by SIGSTOP, deadlocked, stuck on
 * storage) is as useless as a dead one, but may recover on its own (a long GC
 * pause, a host under load), so it is reported at once and restarted only once
 * it has been silent for `graceMs`. A missing socket needs no grace: waiting
 * never brings it back.
 */
export class LivenessTracker {
  private silentSince?: number;

  constructor(private readonly graceMs: number) {}

  observe(probe: Probe): LivenessVerdict {
    if (!probe.socket) return { kind: 'socket-missing' };
    if (probe.answered) {
      this.silentSince = undefined;
      return { kind: 'healthy' };
    }
    this.silentSince ??= probe.at;
    return probe.at - this.silentSince >= this.graceMs ? { kind: 'hung', since: this.silentSince } : { kind: 'unresponsive', since: this.silentSince };
  }

  /** Said in messages. */
  get graceSeconds(): number {
    return this.graceMs / 1000;
  }

  reset(): void {
    this.silentSince = undefined;
  }
}
