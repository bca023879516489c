import { STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Status } from './types.js';

/**
 * Browsers cannot set headers on a WebSocket, so kube clients carry the
 * bearer token as a subprotocol: this prefix, then the token in base64url.
 */
export const BEARER_SUBPROTOCOL = 'base64url.bearer.authorization.k8s.io.';

/** The subprotocols a client offered, in its order of preference. */
export function offeredSubprotocols(headers: IncomingHttpHeaders): string[] {
  return (headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** The bearer token of a request: the Authorization header, or else (WebSocket upgrades only) the token subprotocol. */
export function bearerToken(req: IncomingMessage): string | undefined {
  // Node strips the whitespace around a header value, and \s+ takes all of it after "Bearer": nothing is left to trim.
  // Stryker disable next-line StringLiteral: without the header any string fails the match the same way.
  const header = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (header) return header[1];
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') return undefined;
  const protocol = offeredSubprotocols(req.headers).find((p) => p.startsWith(BEARER_SUBPROTOCOL));
  return protocol === undefined ? undefined : Buffer.from(protocol.slice(BEARER_SUBPROTOCOL.length), 'base64url').toString('utf8');
}

/** An error a passthrough answers with before any upgrade: a metav1.Status with this code. */
export class PassthroughError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PassthroughError';
  }

  toStatus(): Status {
    return { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
  }
}

/** Answers an upgrade request with a plain HTTP error carrying a Status body, then closes the socket. */
export function rejectUpgrade(socket: Duplex, status: Status): void {
  const body = JSON.stringify(status);
  socket.end(
    `HTTP/1.1 ${status.code} ${STATUS_CODES[status.code] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/**
 * Endpoints served on the API server's port under `prefix` but implemented
 * outside it (they talk to the engine, which the API server must not know).
 * The API server authenticates every request before handing it over.
 */
export interface Passthrough {
  /** URL path prefix, with a trailing slash: `/passthrough/engine/`. */
  readonly prefix: string;
  /** A plain (non-upgrade) request under the prefix. */
  handleRequest(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  /** A WebSocket upgrade under the prefix; owns the socket from here on. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void;
  /** Ends every open stream (the server is shutting down). */
  close(): void;
}
