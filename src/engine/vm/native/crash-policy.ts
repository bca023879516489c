export interface CrashPolicyOptions {
  /** Give up after this many crashes in a row. */
  maxDeaths?: number;
  /** An engine that ran at least this long after it answered was stable: its death starts a new count. */
  stableAfterMs?: number;
  /** First restart delay; doubles with each crash in a row. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export type CrashVerdict = { giveUp: true; deaths: number } | { giveUp: false; deaths: number; delayMs: number };

/**
 * Restart backoff for a supervised engine, shaped like Docker's restart
 * policy: the delay starts at 100 ms and doubles with each crash in a row, and
 * an engine that ran stably before it died starts a new count. Docker calls a
 * container stable after 10 s; an engine is stable once it has answered on its
 * socket and run for a second, because what makes an engine crash-loop (a
 * config it rejects, storage it cannot open, a missing binary or device) stops
 * it before it answers. So a crash loop gives up after N crashes in a row, and
 * an engine that is killed now and then (OOM, a user's kill) is always
 * restarted at once.
 */
export class CrashPolicy {
  private deaths = 0;
  private readonly maxDeaths: number;
  private readonly stableAfterMs: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(options: CrashPolicyOptions = {}) {
    this.maxDeaths = options.maxDeaths ?? 5;
    this.stableAfterMs = options.stableAfterMs ?? 1000;
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
  }

  /** `ranMs`: how long the engine ran between answering on its socket and its death (0 for a failed start). */
  recordDeath(ranMs: number): CrashVerdict {
    if (ranMs >= this.stableAfterMs) this.deaths = 0;
    this.deaths++;
    if (this.deaths >= this.maxDeaths) return { giveUp: true, deaths: this.deaths };
    return { giveUp: false, deaths: this.deaths, delayMs: Math.min(this.baseDelayMs * 2 ** (this.deaths - 1), this.maxDelayMs) };
  }

  reset(): void {
    this.deaths = 0;
  }

  /** Said in messages: what "in a row" means. */
  get stableAfter(): number {
    return this.stableAfterMs;
  }
}
