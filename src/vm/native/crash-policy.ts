export interface CrashPolicyOptions {
  /** Give up after this many deaths within `windowMs`. */
  maxDeaths?: number;
  windowMs?: number;
  /** First restart delay; doubles with each death in the window. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  now?: () => number;
}

export type CrashVerdict = { giveUp: true; deaths: number } | { giveUp: false; deaths: number; delayMs: number };

/** Restart backoff for a supervised engine: 1 s, 2 s, 4 s … and a give-up after N deaths in a window. */
export class CrashPolicy {
  private deaths: number[] = [];
  private readonly maxDeaths: number;
  private readonly windowMs: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly now: () => number;

  constructor(options: CrashPolicyOptions = {}) {
    this.maxDeaths = options.maxDeaths ?? 5;
    this.windowMs = options.windowMs ?? 5 * 60_000;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  recordDeath(): CrashVerdict {
    const now = this.now();
    this.deaths = [...this.deaths.filter((t) => now - t < this.windowMs), now];
    const deaths = this.deaths.length;
    if (deaths >= this.maxDeaths) return { giveUp: true, deaths };
    return { giveUp: false, deaths, delayMs: Math.min(this.baseDelayMs * 2 ** (deaths - 1), this.maxDelayMs) };
  }

  reset(): void {
    this.deaths = [];
  }

  get window(): number {
    return this.windowMs;
  }
}
