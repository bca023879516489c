import type { Registry } from '../registry/registry.js';
import { groupVersionDocument } from './openapi.js';

/*
 * `/openapi/v2` (Swagger 2.0) for the tools that still read it, generated
 * from the very documents `/openapi/v3` serves: the same schemas (under
 * `definitions`), the same paths, with operations rewritten in v2's form.
 * JSON only: a client asking for v2's protobuf form gets 406.
 */

interface V3Parameter {
  name: string;
  in: string;
  description?: string;
  required?: boolean;
  schema?: { type?: string };
}

interface V3Operation {
  parameters?: V3Parameter[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
  [extension: string]: unknown;
}

type V3PathItem = Record<string, V3Operation | V3Parameter[]>;

interface V3Document {
  paths: Record<string, V3PathItem>;
  components: { schemas: Record<string, unknown> };
}

function v2Parameter({ schema, ...rest }: V3Parameter): Record<string, unknown> {
  return { ...rest, type: schema?.type ?? 'string', ...(rest.in === 'query' ? { uniqueItems: true } : {}) };
}

function v2Operation({ parameters, requestBody, responses, ...rest }: V3Operation): Record<string, unknown> {
  const content = requestBody?.content ?? {};
  const body = requestBody ? [{ name: 'body', in: 'body', required: true, schema: Object.values(content)[0]?.schema ?? { type: 'object' } }] : [];
  const v2Responses = Object.fromEntries(
    Object.entries(responses).map(([code, r]) => [code, { description: r.description, schema: r.content?.['application/json']?.schema }]),
  );
  return {
    ...rest,
    ...(requestBody ? { consumes: Object.keys(content) } : {}),
    produces: ['application/json'],
    parameters: [...(parameters ?? []).map(v2Parameter), ...body],
    responses: v2Responses,
    schemes: ['https'],
  };
}

function v2PathItem(item: V3PathItem): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(item).map(([key, value]) =>
      key === 'parameters' ? [key, (value as V3Parameter[]).map(v2Parameter)] : [key, v2Operation(value as V3Operation)],
    ),
  );
}

/** v2 has no `nullable`; kube's v2 documents say it as `x-nullable`. References point into `definitions`. */
function v2Schemas(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(v2Schemas);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => {
      if (key === '$ref' && typeof v === 'string') return [key, v.replace('#/components/schemas/', '#/definitions/')];
      return [key === 'nullable' ? 'x-nullable' : key, v2Schemas(v)];
    }),
  );
}

/** The Swagger 2.0 document of everything served. */
export function swaggerDocument(registry: Registry): unknown {
  const paths: Record<string, unknown> = {};
  const definitions: Record<string, unknown> = {};
  for (const [group, versions] of registry.groups()) {
    for (const version of versions) {
      const doc = groupVersionDocument(registry, group, version) as V3Document | undefined;
      if (!doc) continue;
      Object.assign(definitions, doc.components.schemas);
      for (const [path, item] of Object.entries(doc.paths)) paths[path] = v2PathItem(item);
    }
  }
  return { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.32.0-rdd' }, paths: v2Schemas(paths), definitions: v2Schemas(definitions) };
}
