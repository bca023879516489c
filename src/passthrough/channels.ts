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
 * while the client is slow. What arrives within one turn of the event loop
 * (the engine writes one HTTP chunk per log line, and one socket read holds
 * hundreds) goes out as one message per run of a channel: one message per
 * line made the stream half as fast as `docker logs` (docs/performance.md).
 * With `channels`, every message is binary with the channel byte in front;
 * without, messages are UTF-8 text and the streams are merged.
 */
export class OutputSink {
  private readonly decoders = new Map<number, StringDecoder>();
  private pending: { channel: number; parts: Buffer[] }[] = [];
  private scheduled = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly source: Readable,
    private readonly channels: boolean,
  ) {}

  write(channel: number, chunk: Buffer): void {
    if (chunk.length === 0) return;
    const last = this.pending.at(-1);
    if (last && (last.channel === channel || !this.channels)) last.parts.push(chunk);
    else this.pending.push({ channel, parts: [chunk] });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Sends everything held, including an incomplete character the text decoder kept back. */
  end(): void {
    this.flush();
    for (const decoder of this.decoders.values()) this.sendText(decoder.end());
  }

  private flush(): void {
    this.scheduled = false;
    const runs = this.pending;
    this.pending = [];
    if (this.ws.readyState !== this.ws.OPEN) return;
    for (const { channel, parts } of runs) {
      const data = parts.length === 1 ? parts[0] : Buffer.concat(parts);
      if (this.channels) this.send(Buffer.concat([Buffer.from([channel]), data]));
      else this.sendText(this.decoder(channel).write(data));
    }
  }

  private decoder(channel: number): StringDecoder {
    let decoder = this.decoders.get(channel);
    if (!decoder) this.decoders.set(channel, (decoder = new StringDecoder('utf8')));
    return decoder;
  }

  private sendText(text: string): void {
    if (text && this.ws.readyState === this.ws.OPEN) this.send(text);
  }

  private send(data: Buffer | string): void {
    this.ws.send(data, () => {
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
