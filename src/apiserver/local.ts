import { PassThrough, Readable } from 'node:stream';
import type { ApiResponse, Transport } from '../kube/client.js';
import type { ApiReply, ApiRequest } from './http.js';

type Dispatch = (req: ApiRequest, res: ApiReply, url: URL) => Promise<void>;

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

  constructor() {
    super();
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
    async open(method, url, { body, contentType, signal }): Promise<ApiResponse> {
      signal?.throwIfAborted();
      const req: ApiRequest = Object.assign(Readable.from(body === undefined ? [] : [Buffer.from(body)]), {
        method,
        url: url.pathname + url.search,
        headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': contentType ?? 'application/json' }) },
        socket: address,
      });
      const res = new LocalReply();
      const abort = () => res.destroy();
      signal?.addEventListener('abort', abort, { once: true });
      res.once('close', () => signal?.removeEventListener('abort', abort));
      void dispatch(req, res, url);
      await res.ready;
      return res;
    },
  };
}
