import { PassThrough } from 'node:stream';
import type { ApiResponse, Transport } from '../../kube/client.js';
import { sendJson, type ApiReply, type ApiRequest } from './http.js';

type Dispatch = (req: ApiRequest, res: ApiReply, url: URL) => Promise<void>;

/**
 * A reply that takes watch events as objects: the in-process client's watch.
 * Each event's object is copied for its watcher as JSON would copy it, so an
 * in-process watcher is as isolated from the store and from other watchers as
 * an HTTPS one, without encoding and parsing a line per event.
 */
export interface EventSink {
  sendEvent(type: string, object: unknown): void;
  /** Events sent and not yet read by the watcher. */
  readonly writableLength: number;
}

export function eventSinkOf(res: ApiReply): EventSink | undefined {
  return res instanceof LocalReply && res.carriesEvents ? res : undefined;
}

/**
 * Answers with a JSON body; the in-process client gets it as an object (a
 * private copy, as the JSON would give it) instead of encoding and parsing it.
 */
export function sendObject(res: ApiReply, code: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res instanceof LocalReply && !res.carriesEvents && !res.headersSent) res.answer(code, jsonCopy(body));
  else sendJson(res, code, body, headers);
}

/**
 * What JSON.parse(JSON.stringify(value)) returns, for the JSON-shaped values
 * the store holds, in a fraction of the time: undefined members are dropped
 * (null in arrays), non-finite numbers become null (and -0 is 0), and anything with toJSON
 * goes through JSON itself.
 */
export function jsonCopy(value: unknown): unknown {
  // `+ 0` turns -0 into 0, as JSON does.
  if (typeof value === 'number') return Number.isFinite(value) ? value + 0 : null;
  if (typeof value !== 'object' || value === null) return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return JSON.parse(JSON.stringify(value)) as unknown;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      out[i] = item === undefined || typeof item === 'function' || typeof item === 'symbol' ? null : jsonCopy(item);
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined && typeof member !== 'function' && typeof member !== 'symbol') out[key] = jsonCopy(member);
  }
  return out;
}

/**
 * A response the server writes and the in-process client reads: the body is
 * a stream like a socket's, so watches (and their backpressure limit) work
 * unchanged; destroying it on the client side is the client going away.
 */
class LocalReply extends PassThrough implements ApiReply {
  statusCode = 200;
  headersSent = false;
  private readonly headersReady: () => void;
  readonly ready: Promise<void>;

  /**
   * @param carriesEvents a watch for the in-process client: its stream is in
   * object mode and carries `{ type, object }` events (sendEvent) besides
   * whatever text the handler writes.
   */
  constructor(readonly carriesEvents = false) {
    super({ objectMode: carriesEvents });
    let resolve!: () => void;
    this.ready = new Promise<void>((r) => (resolve = r));
    this.headersReady = resolve;
  }

  writeHead(code: number): this {
    this.statusCode = code;
    this.headersSent = true;
    this.headersReady();
    return this;
  }

  flushHeaders(): void {
    this.headersSent = true;
    this.headersReady();
  }

  /** The answer's body, already decoded (sendObject); the stream then ends empty. */
  decoded?: unknown;

  answer(code: number, decoded: unknown): void {
    this.decoded = decoded;
    this.writeHead(code);
    this.end();
  }

  sendEvent(type: string, object: unknown): void {
    this.write({ type, object: jsonCopy(object) });
  }

  override end(chunk?: string | (() => void)): this {
    // A handler that ends without writing a head answers 200, as Node's ServerResponse does.
    this.headersSent = true;
    this.headersReady();
    return typeof chunk === 'string' ? super.end(chunk) : super.end();
  }
}

/**
 * The API server as a Transport for clients in its own process (the
 * daemon's controllers): the same router, admission, validation, storage and
 * watch fan-out as an HTTPS request, without TLS, HTTP framing or the
 * loopback socket, which cost a third of a full sync's CPU. Requests are
 * trusted (the caller holds the server), so there is no bearer check.
 */
export function localTransport(dispatch: Dispatch, address: { localAddress: string; localPort: number }): Transport {
  return {
    async open(method, url, { body, contentType, signal, events, withStatus }): Promise<ApiResponse> {
      signal?.throwIfAborted();
      const req: ApiRequest = {
        method,
        url: url.pathname + url.search,
        headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': contentType ?? 'application/json' }) },
        socket: address,
        // The handlers take the body decoded (readDecoded); a copy, as JSON would make it, so the caller may reuse its object.
        body: body === undefined ? undefined : jsonCopy(body),
        async *[Symbol.asyncIterator]() {},
        resume: () => undefined,
        withStatus,
        inProcess: true,
      };
      const res = new LocalReply(events === true);
      const abort = () => res.destroy();
      signal?.addEventListener('abort', abort, { once: true });
      res.once('close', () => signal?.removeEventListener('abort', abort));
      void dispatch(req, res, url);
      await res.ready;
      return res;
    },
  };
}
