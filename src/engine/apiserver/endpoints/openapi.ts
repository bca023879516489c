import { createHash } from 'node:crypto';
import type { Registry } from '../registry/registry.js';
import type { ResourceInfo, VersionInfo } from '../registry/types.js';
import type { JSONSchemaProps } from '../../kube/json-schema.js';
import { META_SCHEMAS, OBJECT_META_REF } from './openapi-meta.js';

/*
 * OpenAPI v3, just as much as kubectl 1.32 reads: `explain` finds a schema in
 * components.schemas by its x-kubernetes-group-version-kind list; `apply`
 * looks for a PATCH operation carrying the GVK object and a `fieldValidation`
 * query parameter (then sends fieldValidation=Strict), and uses strategic
 * merge only when that operation lists its media type (we do not).
 */

const OBJECT_META = {
  allOf: [{ $ref: OBJECT_META_REF }],
  default: {},
  description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
};

const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];

function reverseGroup(group: string): string {
  return group ? group.split('.').reverse().join('.') : 'io.k8s.api.core';
}

function schemaName(r: ResourceInfo, version: string): string {
  return `${reverseGroup(r.group)}.${version}.${r.kind}`;
}

function kindSchema(r: ResourceInfo, v: VersionInfo): Record<string, unknown> {
  const base: JSONSchemaProps = v.schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const properties = {
    ...(base.properties ?? {}),
    apiVersion: {
      type: 'string',
      description:
        'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.',
    },
    kind: {
      type: 'string',
      description: 'Kind is a string value representing the REST resource this object represents. In CamelCase.',
    },
    metadata: OBJECT_META,
  };
  return {
    ...base,
    properties,
    'x-kubernetes-group-version-kind': [{ group: r.group, kind: r.kind, version: v.name }],
  };
}

function param(name: string, inWhere: 'query' | 'path', description: string, type = 'string'): unknown {
  return { name, in: inWhere, description, ...(inWhere === 'path' ? { required: true } : {}), schema: { type } };
}

const WRITE_PARAMS = [
  param('dryRun', 'query', 'When present, indicates that modifications should not be persisted.'),
  param('fieldManager', 'query', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  param('fieldValidation', 'query', 'Strict, Warn or Ignore: how the server treats unknown and duplicate fields.'),
];

function operation(r: ResourceInfo, v: VersionInfo, action: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const ref = { $ref: `#/components/schemas/${schemaName(r, v.name)}` };
  return {
    operationId: `${action}${r.kind}`,
    tags: [`${r.group || 'core'}_${v.name}`],
    responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: r.group, version: v.name, kind: r.kind },
    ...extra,
  };
}

function resourcePaths(r: ResourceInfo, v: VersionInfo): Record<string, unknown> {
  const prefix = r.group ? `/apis/${r.group}/${v.name}` : `/api/${v.name}`;
  const collection = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}` : `${prefix}/${r.plural}`;
  const nsParam = r.namespaced ? [param('namespace', 'path', 'object name and auth scope')] : [];
  const nameParam = param('name', 'path', `name of the ${r.kind}`);
  const body = { requestBody: { content: { 'application/json': { schema: { $ref: `#/components/schemas/${schemaName(r, v.name)}` } } } } };
  const patchBody = {
    requestBody: { content: Object.fromEntries(PATCH_TYPES.map((t) => [t, { schema: { type: 'object' } }])) },
  };
  const item = (sub: string): Record<string, unknown> => ({
    parameters: [...nsParam, nameParam],
    get: operation(r, v, 'get'),
    put: operation(r, v, 'put', { parameters: WRITE_PARAMS, ...body }),
    patch: operation(r, v, 'patch', {
      parameters: [...WRITE_PARAMS, param('force', 'query', 'Force is going to "force" Apply requests.', 'boolean')],
      ...patchBody,
    }),
    ...(sub ? {} : { delete: operation(r, v, 'delete') }),
  });
  return {
    [collection]: {
      parameters: nsParam,
      get: operation(r, v, 'list'),
      post: operation(r, v, 'post', { parameters: WRITE_PARAMS, ...body }),
      delete: operation(r, v, 'deletecollection'),
    },
    [`${collection}/{name}`]: item(''),
    ...(v.statusSubresource ? { [`${collection}/{name}/status`]: item('status') } : {}),
  };
}

/** The document for one group version (`api/v1` or `apis/G/V`); undefined when not served. */
export function groupVersionDocument(registry: Registry, group: string, version: string): unknown {
  let paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = { ...META_SCHEMAS };
  for (const r of registry.all()) {
    const v = r.group === group ? r.versions.find((x) => x.name === version) : undefined;
    if (!v) continue;
    paths = { ...paths, ...resourcePaths(r, v) };
    schemas[schemaName(r, v.name)] = kindSchema(r, v);
  }
  if (!Object.keys(paths).length) return undefined;
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0-rdd' },
    paths,
    components: { schemas },
  };
}

/** `/openapi/v3`: where each group version's document lives, with a content hash for kubectl's cache. */
export function openapiIndex(registry: Registry): unknown {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [group, versions] of registry.groups()) {
    for (const version of versions) {
      const key = group ? `apis/${group}/${version}` : `api/${version}`;
      const doc = JSON.stringify(groupVersionDocument(registry, group, version));
      const hash = createHash('sha512').update(doc).digest('hex').slice(0, 128).toUpperCase();
      paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
    }
  }
  return { paths };
}
