/**
 * Structural defaulting as kube-apiserver does it for custom resources
 * (apiextensions-apiserver structuraldefaulting.Default and
 * PruneNonNullableNullsWithoutDefaults):
 * - an absent property, or a null one that is not nullable, gets its default;
 * - defaults apply recursively, also inside values that were just defaulted;
 * - a null that is not nullable and has no default is dropped.
 */
import type { JSONSchemaProps } from '../../kube/json-schema.js';
import { isObject } from './json-value.js';

/** ObjectMeta and TypeMeta are the server's business, not the schema's. */
const ROOT_SKIPPED = new Set(['apiVersion', 'kind', 'metadata']);

const isNonNullableNull = (v: unknown, schema: JSONSchemaProps | undefined): boolean =>
  v === null && schema !== undefined && !schema.nullable;

function additionalSchema(schema: JSONSchemaProps): JSONSchemaProps | undefined {
  return typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
}

function defaultValue(v: unknown, schema: JSONSchemaProps | undefined, root = false): void {
  if (!schema) return;
  if (Array.isArray(v)) {
    v.forEach((item, i) => {
      if (isNonNullableNull(item, schema.items) && schema.items?.default !== undefined) v[i] = structuredClone(schema.items.default);
      defaultValue(v[i], schema.items);
    });
    return;
  }
  if (!isObject(v)) return;
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (root && ROOT_SKIPPED.has(key)) continue;
    if (prop.default !== undefined && (!Object.hasOwn(v, key) || isNonNullableNull(v[key], prop))) {
      v[key] = structuredClone(prop.default);
    }
  }
  const additional = additionalSchema(schema);
  for (const key of Object.keys(v)) {
    if (root && ROOT_SKIPPED.has(key)) continue;
    const childSchema = schema.properties?.[key] ?? additional;
    if (!childSchema) continue;
    if (isNonNullableNull(v[key], childSchema)) {
      if (childSchema.default === undefined) {
        delete v[key];
        continue;
      }
      v[key] = structuredClone(childSchema.default);
    }
    defaultValue(v[key], childSchema);
  }
}

/** Applies the schema's defaults to `obj` in place. */
export function applyDefaults(schema: JSONSchemaProps, obj: unknown): void {
  defaultValue(obj, schema, true);
}
