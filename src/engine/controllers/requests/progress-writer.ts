import type { Logger } from '../../base/log.js';

/** Progress is written at most this often: a watcher sees it move without a write per docker event. */
const PROGRESS_INTERVAL_MS = 500;

/** Writes the latest progress at most every PROGRESS_INTERVAL_MS, the first at once; flush() waits for the last write. */
export class ProgressWriter<P> {
  private latest?: P;
  private lastWrite = 0;
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (progress: P) => Promise<void>,
    private readonly log: Logger,
  ) {}

  push(progress: P): void {
    this.latest = progress;
    if (this.timer) return;
    const wait = Math.max(0, this.lastWrite + PROGRESS_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => this.writeLatest(), wait);
  }

  async flush(): Promise<void> {
    if (this.timer) this.writeLatest();
    await this.writing;
  }

  private writeLatest(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const progress = this.latest!;
    this.lastWrite = Date.now();
    // Progress is advisory: a failed write is logged, and the final status is written regardless.
    this.writing = this.writing.then(() => this.write(progress)).catch((err) => this.log.warn('cannot write pull progress', { error: err }));
  }
}
