import type { Status, StatusCause } from '../../kube/types.js';
import { asStorageError, StorageError } from '../store/open.js';

/** Identifies the object an error is about, as metav1.StatusDetails does. */
export interface ErrorTarget {
  group?: string;
  /** The resource (plural) in kube's messages, the kind in details. */
  resource?: string;
  kind?: string;
  name?: string;
}

/** An API error that becomes a metav1.Status response. */
export class StatusError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details?: Status['details'];

  constructor(code: number, reason: string, message: string, details?: Status['details']) {
    super(message);
    this.name = 'StatusError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): Status {
    return failureStatus(this.code, this.reason, this.message, this.details);
  }
}

export function failureStatus(code: number, reason: string, message: string, details?: Status['details']): Status {
  return { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

/** `apps.app.rancherdesktop.io` or `namespaces` — how kube names a resource in messages. */
export function qualifiedResource(target: ErrorTarget): string {
  return target.group ? `${target.resource}.${target.group}` : (target.resource ?? '');
}

function details(target: ErrorTarget, causes?: StatusCause[]): Status['details'] {
  return {
    ...(target.name !== undefined ? { name: target.name } : {}),
    ...(target.group ? { group: target.group } : {}),
    ...(target.resource ? { kind: target.resource } : {}),
    ...(causes && causes.length ? { causes } : {}),
  };
}

export const notFound = (t: ErrorTarget): StatusError =>
  new StatusError(404, 'NotFound', `${qualifiedResource(t)} "${t.name}" not found`, details(t));

export const alreadyExists = (t: ErrorTarget): StatusError =>
  new StatusError(409, 'AlreadyExists', `${qualifiedResource(t)} "${t.name}" already exists`, details(t));

export const conflict = (t: ErrorTarget, why = 'the object has been modified; please apply your changes to the latest version and try again'): StatusError =>
  new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(t)} "${t.name}": ${why}`, details(t));

/** 422 with one cause per field error; kind in details is the Kind, as kube reports Invalid. */
export function invalid(t: ErrorTarget & { kind: string }, causes: StatusCause[]): StatusError {
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  const summary = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  const group = t.group ? `.${t.group}` : '';
  return new StatusError(422, 'Invalid', `${t.kind}${group} "${t.name ?? ''}" is invalid: ${summary}`, {
    name: t.name,
    ...(t.group ? { group: t.group } : {}),
    kind: t.kind,
    causes,
  });
}

/** 422 for a bad request option (CreateOptions, ListOptions, ...), as kube validates them: `ListOptions.meta.k8s.io "" is invalid: field: message`. */
export function invalidOptions(kind: string, field: string, message: string, reason = 'FieldValueInvalid'): StatusError {
  return new StatusError(422, 'Invalid', `${kind}.meta.k8s.io "" is invalid: ${field}: ${message}`, {
    group: 'meta.k8s.io',
    kind,
    causes: [{ reason, field, message }],
  });
}

export const badRequest = (message: string, causes?: StatusCause[]): StatusError =>
  new StatusError(400, 'BadRequest', message, causes?.length ? { causes } : undefined);

export const gone = (message: string): StatusError => new StatusError(410, 'Expired', message);

export const tooOld = (requested: number, oldest: number): StatusError =>
  gone(`too old resource version: ${requested} (${oldest})`);

/** A resourceVersion the store has not reached: kube's watch cache gives up with 504 and asks to retry. */
export const tooLarge = (requested: number, current: number): StatusError =>
  new StatusError(504, 'Timeout', `Timeout: Too large resource version: ${requested}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });

export const forbidden = (t: ErrorTarget, why: string): StatusError =>
  new StatusError(403, 'Forbidden', `${qualifiedResource(t)} "${t.name ?? ''}" is forbidden: ${why}`, details(t));

export const unauthorized = (): StatusError => new StatusError(401, 'Unauthorized', 'Unauthorized');

export const methodNotAllowed = (method: string): StatusError =>
  new StatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method})`);

export const unsupportedMediaType = (contentType: string, supported: string[]): StatusError =>
  new StatusError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${supported.join(', ')}`,
    contentType ? { causes: [{ reason: 'UnsupportedMediaType', message: contentType }] } : undefined,
  );

export const entityTooLarge = (limit: number): StatusError =>
  new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);

export const pathNotFound = (path: string): StatusError =>
  new StatusError(404, 'NotFound', `the server could not find the requested resource (${path})`, {});

/**
 * A storage failure as kube-style Status. No space is 507 InsufficientStorage
 * (kube-apiserver answers etcd's "database space exceeded" with a plain 500;
 * 507 lets a client tell "free disk space" from a server bug). A damaged store
 * is 500 with kube's StorageReadError reason. A store whose files were removed
 * under it is 503 ServiceUnavailable: the write may succeed after a restart.
 * See docs/control-plane.md#storage-errors.
 */
function storageStatus(err: StorageError): StatusError {
  if (err.kind === 'full') return new StatusError(507, 'InsufficientStorage', err.message);
  if (err.kind === 'lost') return new StatusError(503, 'ServiceUnavailable', err.message);
  if (err.kind === 'damaged') return new StatusError(500, 'StorageReadError', err.message);
  return new StatusError(500, 'InternalError', `Internal error occurred: ${err.message}`);
}

/** Turns anything thrown while serving into a Status; the boolean says whether it was a server bug. */
export function toStatusError(err: unknown): { error: StatusError; internal: boolean } {
  if (err instanceof StatusError) return { error: err, internal: false };
  // Reads are not wrapped by the store; their damage codes still say what they are.
  const storage = err instanceof StorageError ? err : asStorageError(err);
  // Logged like a bug: the log is where the time and the request of the failure are kept.
  if (storage instanceof StorageError) return { error: storageStatus(storage), internal: true };
  const message = err instanceof Error ? err.message : String(err);
  return { error: new StatusError(500, 'InternalError', `Internal error occurred: ${message}`), internal: true };
}
