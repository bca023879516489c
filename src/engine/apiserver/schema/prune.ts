/**
 * Pruning of fields a structural schema does not declare, as kube-apiserver
 * does for custom resources (apiextensions-apiserver structuralpruning.Prune).
 * Kept: x-kubernetes-preserve-unknown-fields, additionalProperties values, and
 * apiVersion/kind/metadata of the resource root and of embedded resources.
 */
import type { JSONSchemaProps } from '../../kube/json-schema.js';
import { isObject } from './json-value.js';

const TYPE_META = new Set(['apiVersion', 'kind', 'metadata']);

function prune(v: unknown, schema: JSONSchemaProps, path: string, isResource: boolean, pruned: string[]): void {
  if (Array.isArray(v)) {
    if (schema.items) v.forEach((item, i) => prune(item, schema.items as JSONSchemaProps, `${path}[${i}]`, false, pruned));
    return;
  }
  if (!isObject(v)) return;
  const additional = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  const keepAll = schema['x-kubernetes-preserve-unknown-fields'] === true || schema.additionalProperties === true;
  for (const key of Object.keys(v)) {
    const childPath = `${path}.${key}`;
    const childSchema = schema.properties?.[key] ?? additional;
    if (isResource && TYPE_META.has(key)) {
      // Declared metadata is validated by the server, never pruned here.
      if (childSchema && key !== 'metadata') prune(v[key], childSchema, childPath, false, pruned);
    } else if (childSchema) {
      prune(v[key], childSchema, childPath, childSchema['x-kubernetes-embedded-resource'] === true, pruned);
    } else if (!keepAll) {
      delete v[key];
      pruned.push(childPath);
    }
  }
}

/**
 * Removes undeclared fields from `obj` in place and returns their paths as
 * `.spec.foo` / `.status.ports[0].bar`, in document order.
 */
export function pruneUnknownFields(schema: JSONSchemaProps, obj: unknown): string[] {
  const pruned: string[] = [];
  prune(obj, schema, '', true, pruned);
  return pruned;
}
