import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { Logger } from '../../base/log.js';
import type { DockerEvent } from './routing.js';

/** The engine's own clock (docs/design-rules.md#events-since-engine-clock): events are filtered against it, not the host's. */
export async function engineNow(docker: Docker): Promise<number> {
  const info = (await docker.info()) as { SystemTime?: string };
  const ms = info.SystemTime ? Date.parse(info.SystemTime) : NaN;
  if (Number.isNaN(ms)) throw new Error(`the Docker engine reported no usable SystemTime (${String(info.SystemTime)})`);
  return Math.floor(ms / 1000);
}

export interface EventStreamOptions {
  docker: Docker;
  /** Engine-clock seconds; events since then are replayed, so nothing during the full sync is lost. */
  since: number;
  onEvent(event: DockerEvent): void;
  /** Called once when the stream dies for any reason other than close(): error, end, or onEvent throwing. */
  onDeath(err: Error): void;
  log: Logger;
}

/** The Docker event stream, kept open until closed; any failure ends it through onDeath (docs/design-rules.md#watcher-death-requeues). */
export class EventStream {
  private stream?: Readable;
  private closed = false;
  private dead = false;

  constructor(private readonly opts: EventStreamOptions) {}

  async open(): Promise<void> {
    const stream = (await this.opts.docker.getEvents({
      since: this.opts.since,
      filters: { type: ['container', 'image', 'volume'] },
    })) as unknown as Readable;
    this.stream = stream;
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (line) => this.handle(line));
    // readline re-emits the input's errors on itself (and throws when nobody listens), so listen there.
    lines.on('error', (err) => this.die(new Error(`Docker event stream failed: ${err.message}`, { cause: err })));
    stream.on('error', () => undefined);
    stream.on('close', () => this.die(new Error('Docker event stream closed by the engine')));
    stream.on('end', () => this.die(new Error('Docker event stream ended')));
  }

  close(): void {
    this.closed = true;
    this.stream?.destroy();
  }

  private handle(line: string): void {
    if (this.dead || this.closed || !line.trim()) return;
    try {
      this.opts.onEvent(JSON.parse(line) as DockerEvent);
    } catch (err) {
      this.die(new Error(`Docker event handler failed: ${(err as Error).message}`, { cause: err }));
    }
  }

  private die(err: Error): void {
    if (this.closed || this.dead) return;
    this.dead = true;
    this.stream?.destroy();
    this.opts.onDeath(err);
  }
}
