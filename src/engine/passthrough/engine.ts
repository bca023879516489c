import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../base/log.js';
import { BEARER_SUBPROTOCOL, offeredSubprotocols, PassthroughError, rejectUpgrade, type Passthrough } from '../kube/passthrough.js';
import { loadDockerode } from '../vm/dockerode.js';
import { CHANNEL_PROTOCOLS } from './channels.js';
import { prepareExec } from './exec.js';
import { prepareLogs } from './logs.js';
import { prepareStats } from './stats.js';
import { badRequest, containerParam } from './params.js';
import type { PreparedStream } from './stream.js';

export const ENGINE_PREFIX = '/passthrough/engine/';

// After a going-away close frame, how long a client has to answer before its socket is cut.
const SHUTDOWN_GRACE_MS = 1000;

export interface EnginePassthroughOptions {
  /** The engine's Docker socket. */
  socketPath: string;
  log: Logger;
}

/**
 * The channel protocol if the client offers one; else, when it offered only
 * the token subprotocol, that one back: browsers fail a handshake that names
 * no protocol after they offered some.
 */
export function chooseSubprotocol(offered: Set<string>): string | false {
  const channel = CHANNEL_PROTOCOLS.find((p) => offered.has(p));
  if (channel) return channel;
  return [...offered].find((p) => p.startsWith(BEARER_SUBPROTOCOL)) ?? false;
}

function asPassthroughError(err: unknown): PassthroughError {
  if (err instanceof PassthroughError) return err;
  return new PassthroughError(500, 'InternalError', `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** `docker logs`, `docker exec` and `docker stats` as WebSockets on the API server's port (docs/containers-api.md). */
export function createEnginePassthrough(opts: EnginePassthroughOptions): Passthrough {
  const log = opts.log.child('passthrough');
  const open = new Set<WebSocket>();
  let closed = false;
  // dockerode and ws cost an idle daemon ~25 MB of memory: they load with the first stream.
  let loaded: Promise<{ docker: Docker; wss: WebSocketServer }> | undefined;
  const load = () =>
    (loaded ??= Promise.all([loadDockerode(), import('ws')]).then(([Docker, { WebSocketServer }]) => ({
      docker: new Docker({ socketPath: opts.socketPath }),
      wss: new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: chooseSubprotocol }),
    })));

  const prepare = async (req: IncomingMessage, url: URL): Promise<PreparedStream> => {
    const rest = url.pathname.slice(ENGINE_PREFIX.length);
    const slash = rest.indexOf('/');
    const action = slash < 0 ? rest : rest.slice(0, slash);
    const id = containerParam(slash < 0 ? '' : rest.slice(slash + 1));
    const { docker } = await load();
    if (action === 'logs') return prepareLogs(docker, id, url.searchParams);
    if (action === 'exec') return prepareExec(docker, id, url.searchParams, offeredSubprotocols(req.headers));
    if (action === 'stats') return prepareStats(docker, id, url.searchParams);
    throw new PassthroughError(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
  };

  const failed = (err: unknown, req: IncomingMessage): PassthroughError => {
    const error = asPassthroughError(err);
    if (error.code >= 500) log.error('stream could not start', { url: req.url, error: err });
    return error;
  };

  return {
    prefix: ENGINE_PREFIX,

    async handleRequest(req: IncomingMessage, res: ServerResponse, url: URL) {
      let error: PassthroughError;
      try {
        (await prepare(req, url)).abort();
        error = badRequest('Upgrade request required: this endpoint is a WebSocket');
      } catch (err) {
        error = failed(err, req);
      }
      const body = JSON.stringify(error.toStatus());
      res.writeHead(error.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    },

    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) {
      socket.on('error', () => undefined);
      Promise.resolve()
        .then(() => prepare(req, url))
        .then(async (stream) => ({ stream, wss: (await load()).wss }))
        .then(
          ({ stream, wss }) => {
            let running = false;
            // ws drops a bad handshake without calling back: the engine side must go too.
            socket.once('close', () => running || stream.abort());
            if (closed) throw new PassthroughError(503, 'ServiceUnavailable', 'the API server is shutting down');
            wss.handleUpgrade(req, socket, head, (ws) => {
              running = true;
              open.add(ws);
              ws.on('close', () => open.delete(ws));
              ws.on('error', (err) => log.debug('stream client error', { url: req.url, error: err }));
              stream.run(ws, ws.protocol);
            });
          },
        )
        .catch((err: unknown) => rejectUpgrade(socket, failed(err, req).toStatus()));
    },

    close() {
      closed = true;
      for (const ws of open) {
        ws.close(1001, 'the API server is shutting down');
        setTimeout(() => ws.terminate(), SHUTDOWN_GRACE_MS).unref();
      }
    },
  };
}
