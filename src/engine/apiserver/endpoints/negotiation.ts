import { StatusError } from './errors.js';

/*
 * Content negotiation as kube-apiserver does it: the client's Accept header
 * lists media ranges in order of preference (q), each maybe asking for
 * another representation of the answer (`;as=Table;g=meta.k8s.io;v=v1`,
 * `;as=PartialObjectMetadata...`). The first range the server can satisfy
 * wins; when none can, the answer is 406 NotAcceptable. rdd answers JSON
 * only (protobuf and YAML are never sent: see docs/api-compatibility.md).
 */

/** What a resource request answers with: the object(s), a meta.k8s.io Table, or only their metadata. */
export type Output = 'object' | 'table' | 'metadata';

/** Which answer is negotiated: one object (get, watch events, writes) or a list. */
export type AnswerShape = 'object' | 'list' | 'write';

export interface MediaRange {
  type: string;
  params: Record<string, string>;
}

const META_VERSIONS = ['v1', 'v1beta1'];

/** The ranges of an Accept header, most preferred first (q, then order); q=0 ranges are dropped. */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header?.trim()) return [{ type: '*/*', params: {} }];
  const ranges = header.split(',').map((part, index) => {
    const [type, ...rest] = part.split(';').map((p) => p.trim());
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim();
    }
    const q = params.q === undefined ? 1 : Number(params.q);
    delete params.q;
    return { type: type.toLowerCase(), params, q: Number.isFinite(q) ? q : 0, index };
  });
  return ranges
    .filter((r) => r.q > 0 && r.type)
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map(({ type, params }) => ({ type, params }));
}

/** Whether the range admits a JSON body. */
export function isJsonRange(range: MediaRange): boolean {
  return range.type === 'application/json' || range.type === 'application/*' || range.type === '*/*';
}

function outputOf(range: MediaRange, shape: AnswerShape): Output | undefined {
  if (!isJsonRange(range)) return undefined;
  const { as, g, v } = range.params;
  if (as === undefined) return 'object';
  // Another representation is for reads, and only meta.k8s.io's.
  if (shape === 'write' || g !== 'meta.k8s.io' || !META_VERSIONS.includes(v ?? '')) return undefined;
  if (as === 'Table') return 'table';
  if (as === (shape === 'list' ? 'PartialObjectMetadataList' : 'PartialObjectMetadata')) return 'metadata';
  return undefined;
}

/** What kube answers when no range of the Accept header can be served. */
export function notAcceptable(supported: string[]): StatusError {
  return new StatusError(406, 'NotAcceptable', `only the following media types are accepted: ${supported.join(', ')}`);
}

/** The output for a resource request's Accept header; 406 when rdd can serve none of its ranges. */
export function negotiateOutput(accept: string | undefined, shape: AnswerShape): Output {
  for (const range of parseAccept(accept)) {
    const output = outputOf(range, shape);
    if (output) return output;
  }
  throw notAcceptable(['application/json']);
}

/** For the non-resource endpoints (version, discovery, OpenAPI): 406 unless some range admits plain JSON. */
export function requireJson(accept: string | undefined): void {
  if (!parseAccept(accept).some((r) => isJsonRange(r) && r.params.as === undefined)) throw notAcceptable(['application/json']);
}

/** The PartialObjectMetadata of an object: what a metadata-only client (client-go's metadata informers) is sent. */
export function partialObjectMetadata(obj: { metadata: unknown }): { apiVersion: string; kind: string; metadata: unknown } {
  return { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: obj.metadata };
}
