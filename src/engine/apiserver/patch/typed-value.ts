/**
 * How structured-merge-diff sees a custom resource: the CRD schema decides
 * whether a value is a scalar, an atomic value, a granular map, or a list
 * merged by keys (`x-kubernetes-list-type: map`) or by value (`set`).
 * Fields the schema does not describe are deduced: objects are granular,
 * lists atomic.
 */
import type { JSONSchemaProps } from '../../kube/json-schema.js';
import { deepEqual, isObject } from '../schema/json-value.js';
import { FieldSet, type FieldPath, type PathElement } from './field-set.js';

export type Shape = 'scalar' | 'atomic' | 'map' | 'listMap' | 'listSet';

/** ObjectMeta as kube's schema declares it for merging. */
const METADATA_SCHEMA: JSONSchemaProps = {
  type: 'object',
  properties: {
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
    finalizers: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
    ownerReferences: { type: 'array', items: { type: 'object' }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['uid'] },
  },
};

/** Server-owned fields that never appear in managedFields (kube's stripMeta). */
const STRIPPED_METADATA = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
  'managedFields',
];

const effective = new WeakMap<JSONSchemaProps, JSONSchemaProps>();

/** The CRD schema with kube's ObjectMeta merge schema in place of `metadata`. */
export function resourceSchema(schema: JSONSchemaProps): JSONSchemaProps {
  let result = effective.get(schema);
  if (!result) {
    result = { ...schema, properties: { ...schema.properties, metadata: METADATA_SCHEMA } };
    effective.set(schema, result);
  }
  return result;
}

/** A copy of the object without the fields field managers never own. */
export function stripForTracking(obj: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!obj) return {};
  const { apiVersion: _a, kind: _k, ...rest } = obj;
  if (isObject(rest.metadata)) {
    const metadata = { ...rest.metadata };
    for (const key of STRIPPED_METADATA) delete metadata[key];
    rest.metadata = metadata;
  }
  return rest;
}

export function shapeOf(value: unknown, schema: JSONSchemaProps | undefined): Shape {
  if (Array.isArray(value)) {
    const listType = schema?.['x-kubernetes-list-type'];
    if (listType === 'map') return 'listMap';
    if (listType === 'set') return 'listSet';
    return 'atomic';
  }
  if (isObject(value)) return schema?.['x-kubernetes-map-type'] === 'atomic' ? 'atomic' : 'map';
  return 'scalar';
}

export function fieldSchema(schema: JSONSchemaProps | undefined, key: string): JSONSchemaProps | undefined {
  if (!schema) return undefined;
  return schema.properties?.[key] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
}

/** JSON with sorted object keys, so equal values encode equally. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isObject(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** The path element naming list item `index` (`k:{...}` for list maps, `v:...` for sets, else `i:N`). */
export function itemElement(item: unknown, index: number, listSchema: JSONSchemaProps | undefined): PathElement {
  const listType = listSchema?.['x-kubernetes-list-type'];
  if (listType === 'set') return `v:${canonicalJson(item)}`;
  if (listType === 'map' && isObject(item)) {
    const keys = [...(listSchema?.['x-kubernetes-list-map-keys'] ?? [])].sort();
    const id: Record<string, unknown> = {};
    for (const k of keys) if (item[k] !== undefined) id[k] = item[k];
    if (Object.keys(id).length > 0) return `k:${canonicalJson(id)}`;
  }
  return `i:${index}`;
}

/**
 * Every field path the value sets: leaves, atomic values, list items and map
 * entries (structured-merge-diff's ToFieldSet).
 * With `containers`, granular maps and lists are members too (except the
 * always-present metadata), which is how a write's comparison reports new ones.
 */
export function toFieldSet(value: unknown, schema: JSONSchemaProps | undefined, containers = false): FieldSet {
  const set = new FieldSet();
  // One path, extended and cut back as the walk goes (insert copies nothing of it).
  const path: FieldPath = [];
  const walk = (v: unknown, s: JSONSchemaProps | undefined): void => {
    const shape = shapeOf(v, s);
    if (shape === 'scalar' || shape === 'atomic') {
      set.insert(path);
      return;
    }
    if (containers && path.length > 0 && !(path.length === 1 && path[0] === 'f:metadata')) set.insert(path);
    if (shape === 'map') {
      for (const [key, child] of Object.entries(v as Record<string, unknown>)) {
        path.push(`f:${key}`);
        walk(child, fieldSchema(s, key));
        // Entries of a map (additionalProperties, undeclared fields) are members themselves, named fields are not.
        if (!s?.properties?.[key]) set.insert(path);
        path.pop();
      }
      return;
    }
    (v as unknown[]).forEach((item, i) => {
      path.push(itemElement(item, i, s));
      set.insert(path);
      if (shape === 'listMap' && isObject(item)) walk(item, s?.items);
      path.pop();
    });
  };
  walk(value, schema);
  return set;
}

export interface Located {
  value: unknown;
  schema: JSONSchemaProps | undefined;
}

/** The value at a path, or undefined when the path does not exist. */
export function locate(value: unknown, schema: JSONSchemaProps | undefined, path: FieldPath): Located | undefined {
  let cur: Located = { value, schema };
  for (const pe of path) {
    if (pe.startsWith('f:')) {
      const key = pe.slice(2);
      if (!isObject(cur.value) || !Object.hasOwn(cur.value, key)) return undefined;
      cur = { value: cur.value[key], schema: fieldSchema(cur.schema, key) };
    } else {
      if (!Array.isArray(cur.value)) return undefined;
      const list: JSONSchemaProps | undefined = cur.schema;
      const index = cur.value.findIndex((item, i) => itemElement(item, i, list) === pe);
      if (index < 0) return undefined;
      cur = { value: cur.value[index], schema: list?.items };
    }
  }
  return cur;
}

const GRANULAR = new Set<Shape>(['map', 'listMap', 'listSet']);

export interface Comparison {
  added: FieldSet;
  removed: FieldSet;
  modified: FieldSet;
}

/** What changed between two versions of an object, as structured-merge-diff's Compare reports it. */
export function compare(oldObj: unknown, newObj: unknown, schema: JSONSchemaProps): Comparison {
  const oldSet = toFieldSet(oldObj, schema, true);
  const newSet = toFieldSet(newObj, schema, true);
  const modified = new FieldSet();
  collectModified(oldSet.intersection(newSet), new Cursor({ value: oldObj, schema }), new Cursor({ value: newObj, schema }), [], modified);
  return { added: newSet.difference(oldSet), removed: oldSet.difference(newSet), modified };
}

/**
 * Where a walk down both objects stands: the value at a path as `locate`
 * finds it (undefined when the path does not exist), with each list's item
 * elements computed once instead of once per item looked up.
 */
class Cursor {
  private items?: Map<PathElement, number>;

  constructor(readonly at: Located | undefined) {}

  step(pe: PathElement): Cursor {
    const cur = this.at;
    if (!cur) return this;
    if (pe.startsWith('f:')) {
      const key = pe.slice(2);
      if (!isObject(cur.value) || !Object.hasOwn(cur.value, key)) return NOWHERE;
      return new Cursor({ value: cur.value[key], schema: fieldSchema(cur.schema, key) });
    }
    if (!Array.isArray(cur.value)) return NOWHERE;
    const list = cur.value;
    if (!this.items) {
      // The first item with each element, as locate's findIndex picks it.
      this.items = new Map();
      for (let i = list.length - 1; i >= 0; i--) this.items.set(itemElement(list[i], i, cur.schema), i);
    }
    const index = this.items.get(pe);
    return index === undefined ? NOWHERE : new Cursor({ value: list[index], schema: cur.schema?.items });
  }
}

const NOWHERE = new Cursor(undefined);

/** Adds to `out` the member paths of `common` (in sorted order, as `members()` lists them) whose values differ. */
function collectModified(common: FieldSet, before: Cursor, after: Cursor, path: FieldPath, out: FieldSet): void {
  if (common.member) {
    const b = before.at;
    const a = after.at;
    const granular = GRANULAR.has(shapeOf(b?.value, b?.schema)) && GRANULAR.has(shapeOf(a?.value, a?.schema));
    if (!granular && !deepEqual(b?.value, a?.value)) out.insert(path);
  }
  for (const key of [...common.children.keys()].sort()) {
    collectModified(common.children.get(key) as FieldSet, before.step(key), after.step(key), [...path, key], out);
  }
}
