import http from 'node:http';

/** How often a connected engine is asked `GET /_ping`: one request on an idle keep-alive socket. */
export const PING_INTERVAL_MS = 4_000;
/** How long an answer may take before the engine counts as hung (a stopped dockerd accepts, then never answers). */
export const PING_TIMEOUT_MS = 3_000;

/** Keep-alive: an idle daemon pings on one socket instead of connecting every time. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** Why the engine at `socketPath` did not answer `GET /_ping` with 200 within `timeoutMs`; undefined when it did. */
export function pingFailure(socketPath: string, timeoutMs = PING_TIMEOUT_MS): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/_ping', agent, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? undefined : `answered GET /_ping with HTTP ${res.statusCode}`);
    });
    req.on('timeout', () => req.destroy(new Error(`did not answer GET /_ping within ${timeoutMs / 1000} s`)));
    req.on('error', (err) => resolve(err.message));
  });
}

export interface LivenessOptions {
  socketPath: string;
  /** Called once, with why, when a ping fails; the probe stops then. */
  onFailure(why: string): void;
  intervalMs?: number;
  timeoutMs?: number;
}

/**
 * Watches that a connected engine still answers: a hung dockerd (SIGSTOP, a deadlock) keeps its
 * socket and its event stream open, so neither shows the hang. One ping per interval, the next
 * only after the last one answered; the timer never keeps the process alive.
 */
export class LivenessProbe {
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly opts: LivenessOptions) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.check(), this.opts.intervalMs ?? PING_INTERVAL_MS);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    const why = await pingFailure(this.opts.socketPath, this.opts.timeoutMs ?? PING_TIMEOUT_MS);
    if (this.stopped) return;
    if (why === undefined) return this.schedule();
    this.stopped = true;
    this.opts.onFailure(why);
  }
}

/** The engine stopped answering while connected: its session ends, and the mirrors wait for it. */
export class EngineNotResponding extends Error {
  constructor(socketPath: string, why: string) {
    super(`the engine at ${socketPath} is not responding: ${why}; the mirrors are kept and resynced once it answers again`);
    this.name = 'EngineNotResponding';
  }
}
