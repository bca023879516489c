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
 * Sends engine output to a WebSocket as it arrives (no buffering beyond the
 * socket's), pausing the engine stream while the client is slow.
 * With `channels`, every message is binary with the channel byte in front;
 * without, messages are UTF-8 text and the streams are merged.
 */
export class OutputSink {
  private readonly decoders = new Map<number, StringDecoder>();

  constructor(
    private readonly ws: WebSocket,
    private readonly source: Readable,
    private readonly channels: boolean,
  ) {}

  write(channel: number, chunk: Buffer): void {
    if (this.ws.readyState !== this.ws.OPEN || chunk.length === 0) return;
    if (this.channels) this.send(Buffer.concat([Buffer.from([channel]), chunk]));
    else this.sendText(this.decoder(channel).write(chunk));
  }

  /** Sends what the text decoders still hold (an incomplete character at the very end). */
  flush(): void {
    for (const decoder of this.decoders.values()) this.sendText(decoder.end());
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
