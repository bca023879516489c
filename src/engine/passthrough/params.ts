import { PassthroughError } from '../kube/passthrough.js';

const TRUE = new Set(['1', 't', 'T', 'true', 'True', 'TRUE']);
const FALSE = new Set(['0', 'f', 'F', 'false', 'False', 'FALSE']);

export const badRequest = (message: string): PassthroughError => new PassthroughError(400, 'BadRequest', message);

/** A boolean query parameter read like Go's strconv.ParseBool (what kube and docker accept). */
export function boolParam(query: URLSearchParams, name: string, fallback: boolean): boolean {
  const value = query.get(name);
  if (value === null) return fallback;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw badRequest(`invalid value for query parameter "${name}": ${JSON.stringify(value)} is not a boolean (use true or false)`);
}

/** `tail`: "all" (the default) or a count of lines, as `docker logs --tail` takes. */
export function tailParam(query: URLSearchParams): string {
  const value = query.get('tail') ?? 'all';
  if (value === 'all' || /^\d+$/.test(value)) return value;
  throw badRequest(`invalid value for query parameter "tail": ${JSON.stringify(value)} is neither "all" nor a number of lines`);
}

/** The container ID (or name) in `<prefix><action>/<id>`; 404 for anything deeper or empty. */
export function containerParam(rest: string): string {
  const id = decodeURIComponent(rest);
  if (!id || id.includes('/')) throw new PassthroughError(404, 'NotFound', `the server could not find the requested resource (${rest})`);
  return id;
}
