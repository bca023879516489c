/**
 * This project's envtest: the real embedded API server on an ephemeral port
 * in a temp dir, with a kubeconfig and a KubeClient for it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AdmissionHook } from '../../src/engine/kube/admission.js';
import type { Passthrough } from '../../src/engine/kube/passthrough.js';
import { buildKubeconfig, generateTlsMaterial, generateToken } from '../../src/engine/service/credentials.js';
import { startApiServer } from '../../src/engine/apiserver/server.js';
import type { ApiServer } from '../../src/engine/apiserver/types.js';
import type { TlsMaterial } from '../../src/engine/kube/tls.js';
import { crdDir as defaultCrdDir } from '../../src/engine/base/assets.js';
import { KubeClient } from '../../src/engine/kube/client.js';
import type { Logger } from '../../src/engine/base/log.js';

export interface TestApiServerOptions {
  admission?: AdmissionHook[];
  /** Default: the real templates/crds. */
  crdDir?: string;
  /** Passed to the server (small values make compaction and 410 testable). */
  retainRevisions?: number;
  maxBodyBytes?: number;
  eventTtlSeconds?: number;
  /** Small caps make the cut-off of a watcher that does not read testable in-process. */
  maxWatchBacklogBytes?: number;
  maxWatchBacklogEvents?: number;
  log?: Logger;
  passthrough?: Passthrough;
}

export interface TestApiServer {
  server: ApiServer;
  client: KubeClient;
  kubeconfigPath: string;
  /** Temp dir holding the database and kubeconfig; removed by stop(). */
  dir: string;
  token: string;
  tls: TlsMaterial;
  /**
   * Closes and starts the server again on the same port and database (a daemon restart).
   * `whileDown` runs between the two, for a test that needs clients to see the server gone
   * (a start is fast enough that a client may otherwise never notice it was down).
   */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

// Key generation is the slow part of a start; one CA per test process is plenty.
let sharedTls: Promise<TlsMaterial> | undefined;

export async function startTestApiServer(opts: TestApiServerOptions = {}): Promise<TestApiServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rdd-api.'));
  sharedTls ??= generateTlsMaterial();
  const tls = await sharedTls;
  const token = generateToken();
  const start = (port: number) =>
    startApiServer({
      port,
      databasePath: path.join(dir, 'rdd.db'),
      crdDir: opts.crdDir ?? defaultCrdDir,
      tls,
      token,
      admission: opts.admission,
      retainRevisions: opts.retainRevisions,
      maxBodyBytes: opts.maxBodyBytes,
      eventTtlSeconds: opts.eventTtlSeconds,
      maxWatchBacklogBytes: opts.maxWatchBacklogBytes,
      maxWatchBacklogEvents: opts.maxWatchBacklogEvents,
      log: opts.log,
      passthrough: opts.passthrough,
    });
  let server: ApiServer;
  try {
    server = await start(0);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  await writeFile(kubeconfigPath, buildKubeconfig({ server: server.url, caCert: tls.caCert, token, name: 'rdd-test' }), { mode: 0o600 });
  const handle: TestApiServer = {
    server,
    client: KubeClient.fromFile(kubeconfigPath),
    kubeconfigPath,
    dir,
    token,
    tls,
    async restart(whileDown) {
      const port = handle.server.port;
      await handle.server.close();
      await whileDown?.();
      handle.server = await start(port);
    },
    async stop() {
      await handle.server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return handle;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON, when it is JSON. */
  json: unknown;
}

/** A plain HTTPS request to the test server, for what KubeClient deliberately cannot send (bad tokens, bodies, headers). */
export function rawRequest(
  ts: TestApiServer,
  method: string,
  path: string,
  opts: { body?: string | Buffer; headers?: Record<string, string>; token?: string | null; signal?: AbortSignal } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  const token = opts.token === undefined ? ts.token : opts.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(opts.body));
  return new Promise((resolve, reject) => {
    const req = https.request(`${ts.server.url}${path}`, { method, headers, ca: ts.tls.caCert, signal: opts.signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('error', reject);
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

export interface RawWatch {
  res: IncomingMessage;
  /** The events received so far, parsed (none while not reading). */
  events: { type: string; object: Record<string, unknown> }[];
  /** Settles when the stream is over: `complete` when the server ended it, false when the connection broke. */
  ended: Promise<{ complete: boolean }>;
}

/** Where a raw watch connects: a TestApiServer, or a real daemon's API from its service files. */
export interface WatchTarget {
  server: Pick<TestApiServer['server'], 'url'>;
  tls: Pick<TlsMaterial, 'caCert'>;
  token: string;
}

/**
 * A watch over a connection of its own, as kubectl or client-go open one. `read: false` never
 * reads the stream (the response is paused at once), so the server's send queue grows.
 */
export function rawWatch(
  ts: WatchTarget,
  path: string,
  opts: { headers?: Record<string, string>; read?: boolean } = {},
): Promise<RawWatch> {
  return new Promise((resolve, reject) => {
    const headers = { ...opts.headers, Authorization: `Bearer ${ts.token}` };
    const req = https.get(`${ts.server.url}${path}`, { headers, ca: ts.tls.caCert, agent: false }, (res) => {
      const events: RawWatch['events'] = [];
      const ended = new Promise<{ complete: boolean }>((done) => {
        res.once('end', () => done({ complete: res.complete }));
        res.once('close', () => done({ complete: res.complete }));
        res.once('error', () => done({ complete: false }));
      });
      if (opts.read === false) res.pause();
      else {
        let partial = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const lines = (partial + chunk).split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) if (line) events.push(JSON.parse(line) as RawWatch['events'][number]);
        });
      }
      resolve({ res, events, ended });
    });
    req.once('error', reject);
  });
}
