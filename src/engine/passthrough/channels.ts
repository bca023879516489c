import { Writable, type Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { WebSocket } from 'ws';

/** Kubernetes' stream channels: the first byte of every binary message. */
export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** Subprotocols of the channel convention, newest first; v5 adds closing stdin on channel 255. */
export const CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

// Past this many unsent bytes the engine's stream is paused until the client catches up.
const HIGH_WATER = 1024 * 1024;

/**
 * Sends engine output to a WebSocket as it arrives, pausing the engine stream
 * while the client is slow. The engine writes one HTTP chunk per log line;
 * one message per line made the stream half as fast as `docker logs`
 * (docs/performance.md). So what arrives while the previous message is still
 * being written, or within the same turn of the event loop, goes out as one
 * message per run of a channel; nothing waits for more to come.
 * With `channels`, every message is binary with the channel byte in front;
 * without, messages are UTF-8 text and the streams are merged.
 */
export class OutputSink {
  private readonly decoders = new Map<number, StringDecoder>();
  private pending: { channel: number; parts: (Buffer | string)[] }[] = [];
  private scheduled = false;
  private inFlight = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly source: Readable,
    private readonly channels: boolean,
  ) {}

  write(channel: number, chunk: Buffer): void {
    if (this.channels) this.queue(channel, chunk);
    else this.queue(Channel.stdout, this.decoder(channel).write(chunk));
  }

  /** Sends everything held, including an incomplete character a text decoder kept back. */
  end(): void {
    if (!this.channels) for (const decoder of this.decoders.values()) this.queue(Channel.stdout, decoder.end());
    this.flush();
  }

  private queue(channel: number, part: Buffer | string): void {
    if (part.length === 0) return;
    const last = this.pending.at(-1);
    if (last?.channel === channel) last.parts.push(part);
    else this.pending.push({ channel, parts: [part] });
    if (this.scheduled || this.inFlight > 0) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const runs = this.pending;
    this.pending = [];
    if (this.ws.readyState !== this.ws.OPEN) return;
    for (const { channel, parts } of runs) {
      this.send(this.channels ? Buffer.concat([Buffer.from([channel]), ...(parts as Buffer[])]) : parts.join(''));
    }
  }

  private decoder(channel: number): StringDecoder {
    let decoder = this.decoders.get(channel);
    if (!decoder) this.decoders.set(channel, (decoder = new StringDecoder('utf8')));
    return decoder;
  }

  private send(data: Buffer | string): void {
    this.inFlight++;
    this.ws.send(data, () => {
      this.inFlight--;
      if (this.inFlight === 0 && this.pending.length) this.flush();
      if (this.source.isPaused() && this.ws.bufferedAmount < HIGH_WATER) this.source.resume();
    });
    if (this.ws.bufferedAmount >= HIGH_WATER) this.source.pause();
  }
}

/** A Writable feeding one channel of a sink, for docker-modem's demultiplexer. */
export function channelWriter(sink: OutputSink, channel: number): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      sink.write(channel, chunk);
      done();
    },
  });
}
