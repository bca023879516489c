import type { KubeObject } from '../../kube/types.js';
import { badRequest, gone, invalidOptions, tooLarge } from './errors.js';
import type { Predicate } from './filters.js';
import { intParam, revisionParam } from './query.js';
import type { SnapshotRow, Store } from '../store/store.js';

/** What a list request asks for, checked as kube's ListOptions validation does. */
export interface ListOptions {
  /** The revision to list at; undefined means the newest. */
  revision?: number;
  limit?: number;
  /** Where the previous page ended. */
  after?: { namespace: string; name: string };
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

const EXPIRED_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.';
const EXPIRED_LIST = 'The resourceVersion for the provided list is too old.';

const invalidListOptions = (field: string, message: string) => invalidOptions('ListOptions', field, message);

/** kube's token shape: base64 of `{"v":"meta.k8s.io/v1","rv":N,"start":"<key>\u0000"}`. */
export function encodeContinue(revision: number, last: { namespace: string; name: string }): string {
  const token: ContinueToken = { v: 'meta.k8s.io/v1', rv: revision, start: `${last.namespace}/${last.name}\u0000` };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

export function decodeContinue(raw: string): { revision: number; after: { namespace: string; name: string } } {
  let token: ContinueToken;
  try {
    token = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as ContinueToken;
    // Stryker disable next-line BlockStatement: equivalent, an unparsable token left undefined fails the check below with the same 400
  } catch {
    throw badRequest(`invalid continue token: ${JSON.stringify(raw)}`);
  }
  const start = typeof token?.start === 'string' && token.start.endsWith('\u0000') ? token.start.slice(0, -1) : '';
  const slash = start.indexOf('/');
  if (token?.v !== 'meta.k8s.io/v1' || !Number.isSafeInteger(token.rv) || token.rv <= 0 || slash < 0) {
    throw badRequest(`invalid continue token: ${JSON.stringify(raw)}`);
  }
  return { revision: token.rv, after: { namespace: start.slice(0, slash), name: start.slice(slash + 1) } };
}

/** Reads resourceVersion, resourceVersionMatch, limit and continue of a list. */
export function listOptions(query: URLSearchParams, current: number): ListOptions {
  const rv = revisionParam(query);
  const match = query.get('resourceVersionMatch') ?? '';
  if (!['', 'Exact', 'NotOlderThan'].includes(match)) {
    throw invalidListOptions('resourceVersionMatch', `Unsupported value: ${JSON.stringify(match)}: supported values: "Exact", "NotOlderThan"`);
  }
  if (match && rv === undefined) throw invalidListOptions('resourceVersionMatch', 'Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
  if (match === 'Exact' && rv === 0) throw invalidListOptions('resourceVersionMatch', 'Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
  const limit = intParam(query, 'limit');
  const token = query.get('continue');
  if (rv !== undefined && rv > current) throw tooLarge(rv, current);
  const opts: ListOptions = { limit: limit && limit > 0 ? limit : undefined };
  if (token) {
    if (rv !== undefined && rv !== 0) throw badRequest('specifying resource version is not allowed when using continue');
    const { revision, after } = decodeContinue(token);
    return { ...opts, revision, after };
  }
  // Only Exact pins the list to an older revision; NotOlderThan (or none) is served from the newest.
  return { ...opts, revision: match === 'Exact' ? rv : undefined };
}

export interface Page {
  items: KubeObject[];
  revision: number;
  continue?: string;
  remainingItemCount?: number;
}

/** One page of a list at a consistent revision; 410 when that revision was compacted away. */
export function listPage(store: Store, resource: string, namespace: string | undefined, opts: ListOptions, matches?: Predicate): Page {
  const revision = opts.revision ?? store.revision;
  const rows = store.snapshot(resource, revision, namespace, opts.after);
  if (!rows) throw gone(opts.after ? EXPIRED_CONTINUE : EXPIRED_LIST);
  const limit = opts.limit ?? Infinity;
  const items: KubeObject[] = [];
  let last: SnapshotRow | undefined;
  let index = 0;
  for (; index < rows.length && items.length < limit; index++) {
    const obj = JSON.parse(rows[index].value) as KubeObject;
    last = rows[index];
    if (!matches || matches(obj)) items.push(obj);
  }
  // More may match after this page: a selector makes the remainder unknowable without reading it, as in kube.
  const more = matches ? rows.slice(index).some((r) => matches(JSON.parse(r.value) as KubeObject)) : index < rows.length;
  if (!more || !last) return { items, revision };
  return {
    items,
    revision,
    continue: encodeContinue(revision, last),
    ...(matches ? {} : { remainingItemCount: rows.length - index }),
  };
}
