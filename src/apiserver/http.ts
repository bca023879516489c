import type { IncomingHttpHeaders } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { Status } from '../kube/types.js';
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

/** Decodes a JSON (or, for apply patches, YAML) body; 400 with the parser's message otherwise. */
export function decodeBody(body: Buffer, yaml = false): unknown {
  const text = body.toString('utf8');
  if (!text.trim()) throw badRequest('the request body is empty');
  try {
    return yaml ? parseYamlOrJson(text) : (JSON.parse(text) as unknown);
  } catch (err) {
    const what = yaml ? 'yaml' : 'json';
    throw badRequest(`error decoding ${what}: ${(err as Error).message}`);
  }
}

/** Decodes a body that must be a JSON object (a Kubernetes object). */
export function decodeObject(body: Buffer, yaml = false): Record<string, unknown> {
  const value = decodeBody(body, yaml);
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
