import { isDryRun, type ResourceRequest, type ServerContext } from '../context.js';
import { aggregatedDiscovery, coreVersions, discoveryOutput, group, groupList, resourceList, VERSION_INFO } from './discovery.js';
import { methodNotAllowed, pathNotFound, StatusError } from './errors.js';
import { handleDelete, handleDeleteCollection } from './handlers/delete.js';
import { handlePatch } from './handlers/patch.js';
import { handleReview } from './handlers/review.js';
import { handleScale } from './handlers/scale.js';
import { handleGet, handleList } from './handlers/read.js';
import { handleWatch } from './handlers/watch.js';
import { handleCreate, handleUpdate } from './handlers/write.js';
import { sendJson, type ApiReply, type ApiRequest } from './http.js';
import { groupVersionDocument, openapiIndex } from './openapi.js';
import { swaggerDocument } from './openapi-v2.js';
import { negotiateOutput, requireJson, type AnswerShape } from './negotiation.js';
import { boolParam } from './query.js';

type Handler = (rr: ResourceRequest) => void | Promise<void>;

/** (method, addressed thing) → handler; anything else is 405. */
const OBJECT_HANDLERS: Record<string, Handler> = { GET: handleGet, PUT: handleUpdate, PATCH: handlePatch, DELETE: handleDelete };
const STATUS_HANDLERS: Record<string, Handler> = { GET: handleGet, PUT: handleUpdate, PATCH: handlePatch };
const SCALE_HANDLERS: Record<string, Handler> = { GET: handleScale, PUT: handleScale, PATCH: handleScale };

function collectionHandler(method: string, query: URLSearchParams): Handler | undefined {
  if (method === 'GET') return boolParam(query, 'watch') ? handleWatch : handleList;
  if (method === 'POST') return handleCreate;
  if (method === 'DELETE') return handleDeleteCollection;
  return undefined;
}

function sendText(res: ApiReply, text: string): void {
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Non-resource GET endpoints: health, version, discovery, OpenAPI. Returns false when the path is not one. */
function serveStatic(ctx: ServerContext, req: ApiRequest, res: ApiReply, segs: string[]): boolean {
  const path = '/' + segs.join('/');
  const address = `${req.socket.localAddress}:${req.socket.localPort}`;
  const fixed: Record<string, () => unknown> = {
    '/version': () => VERSION_INFO,
    '/api': () => coreVersions(address),
    '/apis': () => groupList(ctx.registry),
    '/openapi/v2': () => swaggerDocument(ctx.registry),
    '/openapi/v3': () => openapiIndex(ctx.registry),
  };
  if (path === '/healthz/store') {
    sendJson(res, 200, ctx.store.health.report());
    return true;
  }
  if (['/healthz', '/readyz', '/livez'].includes(path)) {
    sendText(res, 'ok');
    return true;
  }
  const discovery = path === '/api' || path === '/apis' ? discoveryOutput(req.headers.accept) : 'legacy';
  if (discovery !== 'legacy') {
    const contentType = `application/json;g=apidiscovery.k8s.io;v=${discovery};as=APIGroupDiscoveryList`;
    sendJson(res, 200, aggregatedDiscovery(ctx.registry, path === '/api', discovery), { 'Content-Type': contentType, Vary: 'Accept' });
    return true;
  }
  let body: unknown = fixed[path]?.();
  if (body === undefined && segs[0] === 'openapi' && segs[1] === 'v3') {
    const [kind, g, v] = segs.slice(2);
    body = kind === 'api' ? groupVersionDocument(ctx.registry, '', g) : kind === 'apis' && v ? groupVersionDocument(ctx.registry, g, v) : undefined;
  } else if (body === undefined && segs[0] === 'apis' && segs.length === 2) {
    body = group(ctx.registry, segs[1]);
  } else if (body === undefined && segs[0] === 'apis' && segs.length === 3) {
    body = resourceList(ctx.registry, segs[1], segs[2]);
  } else if (body === undefined && segs[0] === 'api' && segs.length === 2) {
    body = resourceList(ctx.registry, '', segs[1]);
  }
  if (body === undefined) return false;
  requireJson(req.headers.accept);
  sendJson(res, 200, body, { Vary: 'Accept' });
  return true;
}

interface ResourcePath {
  group: string;
  version: string;
  namespace?: string;
  plural: string;
  name?: string;
  subresource?: string;
}

/**
 * The readings of a resource path: `.../namespaces/NS/PLURAL/...` for
 * namespaced resources, else `.../PLURAL/NAME/SUB` (which is also how
 * `/api/v1/namespaces/NAME/status` reads).
 */
function pathReadings(segs: string[]): ResourcePath[] {
  let groupName: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 3) [groupName, rest] = ['', segs.slice(1)];
  else if (segs[0] === 'apis' && segs.length >= 4) [groupName, rest] = [segs[1], segs.slice(2)];
  else return [];
  const [version, ...tail] = rest;
  const out: ResourcePath[] = [];
  if (tail[0] === 'namespaces' && tail.length >= 3 && tail.length <= 5) {
    const [, namespace, plural, name, subresource] = tail;
    out.push({ group: groupName, version, namespace, plural, name, subresource });
  }
  if (tail.length <= 3) {
    const [plural, name, subresource] = tail;
    out.push({ group: groupName, version, plural, name, subresource });
  }
  return out;
}

/** kube's answer to `Impersonate-*` headers from a user not allowed to impersonate: rdd has one user, so no one is. */
function refuseImpersonation(req: ApiRequest): void {
  const header = Object.keys(req.headers).find((h) => h.toLowerCase().startsWith('impersonate-'));
  if (header === undefined) return;
  throw new StatusError(403, 'Forbidden', 'impersonation is not supported: rdd has one user', { causes: [{ reason: 'HeaderNotSupported', field: header }] });
}

/** What the answer is negotiated as: a collection GET is a list unless it watches; writes answer the object. */
function answerShape(method: string, hasName: boolean, query: URLSearchParams): AnswerShape {
  if (method !== 'GET') return 'write';
  return hasName || boolParam(query, 'watch') ? 'object' : 'list';
}

export async function route(ctx: ServerContext, req: ApiRequest, res: ApiReply, url: URL): Promise<void> {
  refuseImpersonation(req);
  let segs: string[];
  try {
    segs = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw pathNotFound(url.pathname);
  }
  if (req.method === 'GET' && serveStatic(ctx, req, res, segs)) return;
  let parsed: ResourcePath | undefined;
  let found: ReturnType<ServerContext['registry']['lookup']>;
  for (const candidate of pathReadings(segs)) {
    found = ctx.registry.lookup(candidate.group, candidate.version, candidate.plural);
    if (found && (candidate.namespace === undefined || found.resource.namespaced)) {
      parsed = candidate;
      break;
    }
  }
  if (!parsed || !found) throw pathNotFound(url.pathname);
  // Another view of a stored kind is served as that kind, converted on the way in and out.
  const view = found.resource.conversion ? found.resource : undefined;
  const resource = view?.conversion?.stored ?? found.resource;
  const version = view ? resource.versions[0] : found.version;
  const served = (parsed.subresource === 'status' && version.statusSubresource) || (parsed.subresource === 'scale' && version.scale);
  if (parsed.subresource !== undefined && !served) throw pathNotFound(url.pathname);
  const method = req.method ?? 'GET';
  let handler: Handler | undefined;
  if (resource.review) {
    handler = parsed.name === undefined && method === 'POST' ? handleReview : undefined;
  } else if (parsed.name === undefined) {
    // A namespaced collection is writable only inside a namespace.
    handler = resource.namespaced && parsed.namespace === undefined && method !== 'GET' ? undefined : collectionHandler(method, url.searchParams);
  } else {
    const handlers = parsed.subresource === 'scale' ? SCALE_HANDLERS : parsed.subresource ? STATUS_HANDLERS : OBJECT_HANDLERS;
    handler = handlers[method];
  }
  if (!handler) throw methodNotAllowed(method);
  const output = negotiateOutput(req.headers.accept, answerShape(method, parsed.name !== undefined, url.searchParams));
  const rr: ResourceRequest = {
    ctx,
    req,
    res,
    query: url.searchParams,
    resource,
    version,
    namespace: parsed.namespace,
    name: parsed.name,
    subresource: parsed.subresource,
    view,
    output,
  };
  // A bad dryRun directive is refused before anything is read or written.
  if (method !== 'GET') isDryRun(rr);
  await handler(rr);
}
