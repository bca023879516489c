import https from 'node:https';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { loadKubeconfig, type ClusterAccess } from './kubeconfig.js';
import { collectionPath, objectPath, type ResourceRef } from './resources.js';
import type { KubeList, KubeObject, Status, WatchEvent } from './types.js';

/** An API answer other than 2xx, carrying the server's metav1.Status. */
export class ApiError extends Error {
  readonly status: number;
  readonly body?: Status;

  constructor(message: string, status: number, body?: Status, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }

  get reason(): string | undefined {
    return this.body?.reason;
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof ApiError && err.status === 404;
export const isConflict = (err: unknown): boolean => err instanceof ApiError && err.status === 409;
export const isGone = (err: unknown): boolean => err instanceof ApiError && err.status === 410;

export type PatchType = 'merge' | 'json' | 'apply';
const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface WriteOptions {
  namespace?: string;
  dryRun?: boolean;
  fieldManager?: string;
  subresource?: 'status';
  /**
   * Create only: keep the body's status, stored as this field manager's
   * forced server-side apply of it through /status, in the same write. Only
   * the in-process client can ask; over HTTPS the server drops the status,
   * as kube does, and the caller applies it afterwards.
   */
  withStatus?: boolean;
}

export interface PatchOptions extends WriteOptions {
  type: PatchType;
  /** Server-side apply only: take ownership of conflicting fields. */
  force?: boolean;
}

/** Which objects a list or watch reads. */
export interface ListSelection {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface WatchOptions extends ListSelection {
  resourceVersion?: string;
  signal?: AbortSignal;
}

/**
 * A response as the client reads it: the status code and the body as a byte
 * stream, or (in-process) `decoded`, the body as an object already, the
 * stream then being empty.
 */
export type ApiResponse = Readable & { statusCode?: number; decoded?: unknown };

export interface TransportRequest {
  signal?: AbortSignal;
  /** A JSON value: HTTPS sends it encoded, the in-process transport hands the server a copy of it. */
  body?: unknown;
  contentType?: string;
  /**
   * A watch that may receive its events as objects: a transport that can
   * (in-process) answers with an object-mode stream of WatchEvents; HTTPS
   * answers with JSON lines as always.
   */
  events?: boolean;
  /** A create whose status the server is asked to keep (WriteOptions.withStatus); only the in-process transport passes it on. */
  withStatus?: boolean;
}

/**
 * How a KubeClient reaches the server: HTTPS with the kubeconfig's
 * credentials, or (inside the daemon) a call into the API server in the same
 * process. Resolves once the response's status and headers are known.
 */
export interface Transport {
  open(method: string, url: URL, req: TransportRequest): Promise<ApiResponse>;
  close?(): void;
}

interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  withStatus?: boolean;
}

/**
 * A small typed client for the rdd control plane. It speaks the few verbs rdd
 * needs (including the status subresource and server-side apply) with plain
 * JSON, over HTTPS or an in-process transport.
 */
export class KubeClient {
  readonly server: string;
  private readonly base: string;
  private readonly transport: Transport;

  constructor(server: string, transport: Transport) {
    this.server = server;
    this.base = server.replace(/\/$/, '');
    this.transport = transport;
  }

  static fromFile(kubeconfigPath: string): KubeClient {
    const access = loadKubeconfig(kubeconfigPath);
    return new KubeClient(access.server, httpsTransport(access));
  }

  async get<T extends KubeObject = KubeObject>(ref: ResourceRef, name: string, namespace?: string): Promise<T> {
    return this.request<T>('GET', objectPath(ref, name, namespace));
  }

  /** Like get, but a 404 is `undefined` instead of an error. */
  async find<T extends KubeObject = KubeObject>(ref: ResourceRef, name: string, namespace?: string): Promise<T | undefined> {
    try {
      return await this.get<T>(ref, name, namespace);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: ListSelection = {}): Promise<KubeList<T>> {
    return this.request<KubeList<T>>('GET', collectionPath(ref, opts.namespace), {
      query: { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector },
    });
  }

  async create<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: KubeObject, opts: WriteOptions = {}): Promise<T> {
    return this.request<T>('POST', collectionPath(ref, opts.namespace ?? obj.metadata.namespace), {
      query: writeQuery(opts),
      body: obj,
      withStatus: opts.withStatus,
    });
  }

  /** PUT; with `subresource: 'status'` replaces only the status. */
  async replace<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: KubeObject, opts: WriteOptions = {}): Promise<T> {
    const name = obj.metadata.name;
    if (!name) throw new Error(`cannot replace a ${ref.kind} without metadata.name`);
    return this.request<T>('PUT', objectPath(ref, name, opts.namespace ?? obj.metadata.namespace, opts.subresource), {
      query: writeQuery(opts),
      body: obj,
    });
  }

  async patch<T extends KubeObject = KubeObject>(ref: ResourceRef, name: string, patch: unknown, opts: PatchOptions): Promise<T> {
    return this.request<T>('PATCH', objectPath(ref, name, opts.namespace, opts.subresource), {
      query: { ...writeQuery(opts), force: opts.type === 'apply' && opts.force ? true : undefined },
      body: patch,
      contentType: PATCH_CONTENT_TYPE[opts.type],
    });
  }

  /** Returns the object as the server left it (still present when it has finalizers), or a Status. */
  async delete(ref: ResourceRef, name: string, opts: { namespace?: string; dryRun?: boolean } = {}): Promise<KubeObject | Status> {
    return this.request<KubeObject | Status>('DELETE', objectPath(ref, name, opts.namespace), {
      query: { dryRun: opts.dryRun ? 'All' : undefined },
    });
  }

  /**
   * Streams watch events until the server closes the stream, `signal` aborts,
   * or an error occurs; resolves then (rejects only when the watch could not
   * be opened). A 410 comes back as an ApiError with status 410, or as an
   * ERROR event whose object is a Status with code 410.
   */
  async watch<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    opts: WatchOptions,
    onEvent: (event: WatchEvent<T>) => void,
  ): Promise<void> {
    const url = this.url(collectionPath(ref, opts.namespace), {
      watch: true,
      allowWatchBookmarks: true,
      resourceVersion: opts.resourceVersion,
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
    });
    const res = await this.transport.open('GET', url, { signal: opts.signal, events: true });
    if (res.statusCode !== 200) {
      throw await toApiError('GET', url, res);
    }
    await new Promise<void>((resolve, reject) => {
      const onLine = (line: string) => {
        if (!line.trim()) return;
        let event: WatchEvent<T>;
        try {
          event = JSON.parse(line) as WatchEvent<T>;
        } catch (err) {
          res.destroy();
          reject(new Error(`malformed watch event from ${url.pathname}: ${line.slice(0, 200)}`, { cause: err }));
          return;
        }
        onEvent(event);
      };
      const onError = (err: Error) => (opts.signal?.aborted ? resolve() : reject(err));
      if (res.readableObjectMode) {
        // In-process: events arrive as objects already copied for this watcher; text (if any) is whole lines.
        res.on('data', (chunk: WatchEvent<T> | string) => (typeof chunk === 'string' ? chunk.split('\n').forEach(onLine) : onEvent(chunk)));
        res.on('end', () => resolve());
      } else {
        const lines = createInterface({ input: res, crlfDelay: Infinity });
        lines.on('line', onLine);
        lines.on('close', () => resolve());
        // readline re-emits its input's errors; unhandled, an aborted watch would crash the process.
        lines.on('error', onError);
      }
      res.on('error', onError);
      res.on('aborted', () => resolve());
      // An in-process response is destroyed, not aborted, when the signal fires.
      res.on('close', () => resolve());
    });
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const url = this.url(path, opts.query);
    const res = await this.transport.open(method, url, {
      signal: opts.signal,
      body: opts.body,
      contentType: opts.contentType ?? 'application/json',
      withStatus: opts.withStatus,
    });
    if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode >= 300) {
      throw await toApiError(method, url, res);
    }
    if (res.decoded !== undefined) {
      // Let the empty stream end (and release its listeners).
      res.resume();
      return res.decoded as T;
    }
    const text = await readBody(res);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private url(path: string, query: RequestOptions['query'] = {}): URL {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined) params.set(k, String(v));
    }
    const search = params.size > 0 ? params.toString() : '';
    // One parse of the finished address: setting searchParams on a URL re-serializes it at every set.
    if (search && !path.includes('?')) return new URL(`${this.base}${path}?${search}`);
    const url = new URL(this.base + path);
    for (const [k, v] of params) url.searchParams.set(k, v);
    return url;
  }

  /** Closes idle keep-alive connections; open watches end when their signal aborts. */
  close(): void {
    this.transport.close?.();
  }
}

/**
 * HTTPS with one keep-alive agent per client: a fresh agent (and so a fresh
 * TLS handshake) per request dominated the cost of a controller write.
 */
export function httpsTransport(access: ClusterAccess): Transport {
  const agent = new https.Agent({
    keepAlive: true,
    ca: access.ca,
    cert: access.cert,
    key: access.key,
    ...(access.insecureSkipTlsVerify ? { rejectUnauthorized: false } : {}),
  });
  const auth: Record<string, string> = access.token ? { Authorization: `Bearer ${access.token}` } : {};
  return {
    open(method, url, req) {
      const headers: Record<string, string> = { ...auth, Accept: 'application/json' };
      const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
      if (payload !== undefined) {
        headers['Content-Type'] = req.contentType ?? 'application/json';
        headers['Content-Length'] = String(Buffer.byteLength(payload));
      }
      const send = (): Promise<ApiResponse> =>
        new Promise((resolve, reject) => {
          const r = https.request(url, { method, headers, agent, signal: req.signal }, resolve);
          r.on('error', (err: NodeJS.ErrnoException) => {
            // A kept-alive connection the server closed meanwhile (a daemon restart) fails with ECONNRESET
            // before any answer: sent again (Node's request.reusedSocket pattern). Each failure drops that
            // connection from the pool, so this ends at the latest on a new connection, which is not retried.
            if (r.reusedSocket && err.code === 'ECONNRESET') resolve(send());
            else reject(new Error(`${method} ${url.pathname}: ${err.message}`, { cause: err }));
          });
          r.end(payload);
        });
      return send();
    },
    close: () => agent.destroy(),
  };
}

function writeQuery(opts: WriteOptions): Record<string, string | undefined> {
  return { dryRun: opts.dryRun ? 'All' : undefined, fieldManager: opts.fieldManager };
}

async function readBody(res: ApiResponse): Promise<string> {
  const chunks: Buffer[] = [];
  // An in-process watch answer (object mode) that is an error carries its body as a string.
  for await (const chunk of res) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function toApiError(method: string, url: URL, res: ApiResponse): Promise<ApiError> {
  const status = res.statusCode ?? 0;
  const text = await readBody(res).catch(() => '');
  let body: Status | undefined;
  try {
    const parsed = JSON.parse(text) as Status;
    if (parsed?.kind === 'Status') body = parsed;
  } catch {
    // Not a Status body (e.g. a proxy error page): the status code is all we have.
  }
  const message = body?.message ?? (text.trim().slice(0, 200) || `HTTP ${status}`);
  return new ApiError(`${method} ${url.pathname}: ${message}`, status, body);
}
