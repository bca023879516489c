import { timingSafeEqual } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { silentLogger } from '../base/log.js';
import { KubeClient } from '../kube/client.js';
import { bearerToken, rejectUpgrade } from '../kube/passthrough.js';
import type { ServerContext } from './context.js';
import { bootstrap, crdAdmission, purgeCustomResources } from './registry/crds.js';
import { NamespaceLifecycle } from './lifecycle/deletion.js';
import { EventTtl } from './lifecycle/event-ttl.js';
import { GarbageCollector } from './lifecycle/gc.js';
import { pathNotFound, toStatusError, unauthorized } from './endpoints/errors.js';
import { sendStatus, type ApiReply, type ApiRequest } from './endpoints/http.js';
import { localTransport } from './endpoints/local.js';
import { MAX_BUFFERED_BYTES, MAX_BUFFERED_EVENTS } from './endpoints/handlers/watch.js';
import { answerPlainHttp } from './endpoints/plain-http.js';
import { CRDS, Registry } from './registry/registry.js';
import { route } from './endpoints/router.js';
import { Store } from './store/store.js';
import { reportStoreProblems } from './store/problem-report.js';
import type { ApiServer, ApiServerOptions } from './types.js';

const DEFAULT_MAX_BODY = 3 * 1024 * 1024;
const DEFAULT_EVENT_TTL_SECONDS = 3600;

function authorized(req: IncomingMessage, expected: Buffer): boolean {
  // Stryker disable next-line StringLiteral: whatever stands in for a missing token is not the 43-character token: refused either way.
  const given = Buffer.from(bearerToken(req) ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Starts the embedded Kubernetes-compatible API server (HTTPS on loopback, bearer token auth). */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const log = (opts.log ?? silentLogger).child('apiserver');
  const store = new Store({ path: opts.databasePath, retainRevisions: opts.retainRevisions });
  if (store.upgraded) log.info('object store upgraded: each object state is now stored once', { file: opts.databasePath, ...store.upgraded });
  const registry = new Registry();
  const shutdown = new AbortController();
  // Every open watch listens for shutdown.
  setMaxListeners(0, shutdown.signal);
  const ctx = {
    store,
    registry,
    admission: [crdAdmission, ...(opts.admission ?? [])],
    log,
    maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY,
    watchBacklog: { bytes: opts.maxWatchBacklogBytes ?? MAX_BUFFERED_BYTES, events: opts.maxWatchBacklogEvents ?? MAX_BUFFERED_EVENTS },
    shutdown: shutdown.signal,
  } as ServerContext;
  ctx.namespaces = new NamespaceLifecycle(ctx);
  ctx.gc = new GarbageCollector(ctx);
  const eventTtl = new EventTtl(store, (opts.eventTtlSeconds ?? DEFAULT_EVENT_TTL_SECONDS) * 1000, log);

  // The server's own loops, stopped together whether start-up got to start them or not (stop is a no-op then).
  const stopLoops = () => {
    ctx.namespaces.stop();
    ctx.gc.stop();
    eventTtl.stop();
  };
  /** Undoes start-up after a failed step, and names the step. */
  const startFailed = (what: string, err: unknown): Error => {
    stopLoops();
    store.close();
    return new Error(`API server: ${what}`, { cause: err });
  };
  const startStep = (what: string, step: () => void): void => {
    try {
      step();
    } catch (err) {
      throw startFailed(what, err);
    }
  };

  startStep(`could not load CRDs from ${opts.crdDir}`, () => {
    bootstrap(store, opts.crdDir);
    const refresh = () => registry.setCrds(store.list(CRDS.storageKey).items, (err) => log.warn('not serving a CRD', { error: err }));
    refresh();
    store.hub.subscribe(CRDS.storageKey, {
      onEvent: (ev) => {
        refresh();
        if (ev.type !== 'DELETED') return;
        queueMicrotask(() => {
          try {
            purgeCustomResources(store, ev.object);
          } catch (err) {
            log.warn('could not delete the objects of a deleted CRD', { crd: ev.name, error: err });
          }
        });
      },
      onClose: () => {},
    });
  });
  startStep('could not start the namespace lifecycle', () => ctx.namespaces.start());
  startStep('could not start the garbage collector', () => ctx.gc.start());
  startStep('could not start Event expiry', () => eventTtl.start());

  const expected = Buffer.from(opts.token);
  const passthrough = opts.passthrough;
  /** Runs one request's work; any error becomes its metav1.Status answer. */
  const respond = async (req: ApiRequest, res: ApiReply, work: () => Promise<void>) => {
    const started = Date.now();
    try {
      await work();
    } catch (err) {
      const { error, internal } = toStatusError(store.storageFailure(err));
      if (internal) log.error('request failed', { method: req.method, url: req.url, error: err });
      sendStatus(res, error);
      // Drain whatever body is left so the connection stays usable.
      req.resume();
    } finally {
      log.debug('request', { method: req.method, url: req.url, status: res.statusCode, ms: Date.now() - started });
    }
  };
  const handle = (req: IncomingMessage, res: ServerResponse) =>
    respond(req, res, async () => {
      if (!authorized(req, expected)) throw unauthorized();
      const url = new URL(req.url ?? '/', 'https://localhost');
      if (passthrough && url.pathname.startsWith(passthrough.prefix)) await passthrough.handleRequest(req, res, url);
      else await route(ctx, req, res, url);
    });
  const server = https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, (req, res) => void handle(req, res));
  answerPlainHttp(server);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    if (!authorized(req, expected)) rejectUpgrade(socket, unauthorized().toStatus());
    else if (passthrough && url.pathname.startsWith(passthrough.prefix)) passthrough.handleUpgrade(req, socket, head, url);
    else rejectUpgrade(socket, pathNotFound(url.pathname).toStatus());
  });
  server.on('clientError', (err, socket) => {
    log.debug('client error', { error: err });
    socket.destroy();
  });

  const host = opts.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, host, () => resolve());
    });
  } catch (err) {
    throw startFailed(`cannot listen on ${host}:${opts.port}`, err);
  }
  const { port } = server.address() as AddressInfo;
  log.info('API server listening', { url: `https://${host}:${port}` });

  let closed: Promise<void> | undefined;
  const url = `https://${host}:${port}`;
  // The engine's streams are for HTTPS clients; in-process callers get the API only.
  const local = localTransport((req, res, target) => respond(req, res, () => route(ctx, req, res, target)), { localAddress: host, localPort: port });
  const stopReporting = reportStoreProblems(store.health, new KubeClient(url, local), log);
  return {
    port,
    url,
    localClient: () => new KubeClient(url, local),
    storeHealth: store.health,
    watchSubscriptions: () => store.hub.size,
    close() {
      closed ??= new Promise<void>((resolve) => {
        shutdown.abort();
        stopReporting();
        passthrough?.close();
        stopLoops();
        server.close(() => {
          store.close();
          resolve();
        });
        server.closeIdleConnections();
        // Watches ended above; anything still open after a grace period is cut.
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      });
      return closed;
    },
  };
}
