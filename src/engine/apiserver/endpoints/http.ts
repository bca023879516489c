import type { IncomingHttpHeaders } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { Status } from '../../kube/types.js';
import { badRequest, entityTooLarge, type StatusError } from './errors.js';

/**
 * The parts of a request the handlers use: a Node IncomingMessage, or an
 * in-process request from a controller in the same process (local.ts).
 */
export interface ApiRequest extends AsyncIterable<Buffer | string> {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  socket: { localAddress?: string; localPort?: number };
  resume(): unknown;
  /** In-process creates only (local.ts): keep the body's status (handlers/write.ts createWithStatus). */
  readonly withStatus?: boolean;
  /** In-process requests only (local.ts): the body, decoded already and the server's own copy; read it with readDecoded. */
  readonly body?: unknown;
  /** Set only by the in-process transport (local.ts): the daemon's own controllers. No HTTPS request can set it. */
  readonly inProcess?: boolean;
}

/** The parts of a response the handlers use: a Node ServerResponse, or an in-process one (local.ts). */
export interface ApiReply {
  statusCode: number;
  readonly headersSent: boolean;
  readonly writableLength: number;
  writeHead(code: number, headers?: Record<string, string | number>): unknown;
  flushHeaders(): void;
  write(chunk: string): boolean;
  end(chunk?: string): unknown;
  on(event: 'close' | 'error', listener: () => void): unknown;
  /** Drops the connection without waiting for the client to read what is queued (a watcher cut off). */
  destroy(): unknown;
}

/** Reads the whole body, answering 413 (by throwing) past `limit` bytes. */
export async function readBody(req: ApiRequest, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw entityTooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > limit) throw entityTooLarge(limit);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export function mediaType(req: ApiRequest): string {
  return (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

/** JSON is YAML; clients (kubectl, KubeClient) send apply patches as JSON, which JSON.parse reads ~20× faster. */
function parseYamlOrJson(text: string): unknown {
  if (text.trimStart().startsWith('{')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // YAML flow style that is not strict JSON: the YAML parser decides (and words the error).
    }
  }
  return parseYaml(text) as unknown;
}

/** A request's body decoded, and its text when it came as bytes (the duplicate-field check reads that). */
export interface DecodedBody {
  value: unknown;
  text?: string;
}

/**
 * Reads and decodes the body: JSON, or with `yaml` (apply patches) YAML too;
 * 400 with the parser's message otherwise. An empty body is a 400 too, unless
 * `optional` (then the value is undefined). An in-process request (local.ts)
 * brings its body decoded already: there are no bytes and no text.
 */
export async function readDecoded(req: ApiRequest, limit: number, opts: { yaml?: boolean; optional?: boolean } = {}): Promise<DecodedBody> {
  if (req.body !== undefined) return { value: req.body };
  const text = (await readBody(req, limit)).toString('utf8');
  if (!text.trim()) {
    if (opts.optional) return { value: undefined, text };
    throw badRequest('the request body is empty');
  }
  try {
    return { value: opts.yaml ? parseYamlOrJson(text) : (JSON.parse(text) as unknown), text };
  } catch (err) {
    const what = opts.yaml ? 'yaml' : 'json';
    throw badRequest(`error decoding ${what}: ${(err as Error).message}`);
  }
}

/** A decoded body that must be a JSON object (a Kubernetes object); 400 otherwise. */
export function requireObject(value: unknown): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest(`the request body must be a JSON object, not ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

export function sendJson(res: ApiReply, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(payload),
    'Cache-Control': 'no-cache, private',
    ...headers,
  });
  res.end(payload);
}

export function sendStatus(res: ApiReply, err: StatusError): void {
  const status: Status = err.toStatus();
  sendJson(res, err.code, status);
}

/** `Warning` header values in kube's `299 - "text"` form. */
export function warningHeaders(warnings: string[]): Record<string, string> {
  if (!warnings.length) return {};
  return { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') };
}
