/** x-kubernetes-list-type set/map uniqueness, reported as kube's FieldValueDuplicate. */
import type { JSONSchemaProps } from '../../kube/json-schema.js';
import type { FieldError } from './field-error.js';
import { deepEqual, indexPath, isObject } from './json-value.js';

/** The identity of a list-map item: its key fields, in declared key order. */
export function listMapKey(keys: string[], item: unknown): Record<string, unknown> {
  const id: Record<string, unknown> = {};
  if (!isObject(item)) return id;
  for (const k of keys) if (item[k] !== undefined) id[k] = item[k];
  return id;
}

export function listUniquenessErrors(schema: JSONSchemaProps, items: unknown[], path: string): FieldError[] {
  const listType = schema['x-kubernetes-list-type'];
  if (listType !== 'set' && listType !== 'map') return [];
  const keys = schema['x-kubernetes-list-map-keys'] ?? [];
  const identities = items.map((item) => (listType === 'map' ? listMapKey(keys, item) : item));
  const errs: FieldError[] = [];
  identities.forEach((id, i) => {
    if (identities.slice(0, i).some((earlier) => deepEqual(earlier, id))) {
      errs.push({ reason: 'FieldValueDuplicate', field: indexPath(path, i), message: `Duplicate value: ${JSON.stringify(id)}` });
    }
  });
  return errs;
}
