/** Schema-aware merge and removal of field paths, as server-side apply needs them. */
import type { JSONSchemaProps } from '../../kube/json-schema.js';
import { isObject } from '../schema/json-value.js';
import type { FieldSet } from './field-set.js';
import { fieldSchema, itemElement, shapeOf } from './typed-value.js';

/**
 * Merges an applied configuration into the live value: granular maps merge
 * per key, list maps per item key, sets by value; everything else is replaced.
 * Returns a new value; neither input is modified.
 */
export function mergeApplied(live: unknown, applied: unknown, schema: JSONSchemaProps | undefined): unknown {
  // One deep copy of live, merged into in place: copying at every level was quadratic in the depth.
  return mergeInto(structuredClone(live), applied, schema);
}

/** Merges `applied` into `target` (a private copy, changed in place where its shape allows); returns the result. */
function mergeInto(target: unknown, applied: unknown, schema: JSONSchemaProps | undefined): unknown {
  const shape = shapeOf(applied, schema);
  if (shape === 'map' && isObject(target) && shapeOf(target, schema) === 'map') {
    for (const [key, value] of Object.entries(applied as Record<string, unknown>)) {
      target[key] = mergeInto(target[key], value, fieldSchema(schema, key));
    }
    return target;
  }
  if ((shape === 'listMap' || shape === 'listSet') && Array.isArray(target)) {
    const elements = target.map((item, i) => itemElement(item, i, schema));
    (applied as unknown[]).forEach((item, i) => {
      const index = elements.indexOf(itemElement(item, i, schema));
      if (index < 0) {
        target.push(structuredClone(item));
        elements.push(itemElement(item, i, schema));
      } else if (shape === 'listMap') {
        target[index] = mergeInto(target[index], item, schema?.items);
      }
    });
    return target;
  }
  return structuredClone(applied);
}

/** Deletes every member path of `paths` from `value` in place. */
export function removePaths(value: unknown, schema: JSONSchemaProps | undefined, paths: FieldSet): void {
  for (const [pe, child] of paths.children) {
    if (pe.startsWith('f:')) {
      if (!isObject(value)) continue;
      const key = pe.slice(2);
      if (child.member) delete value[key];
      else removePaths(value[key], fieldSchema(schema, key), child);
    } else if (Array.isArray(value)) {
      const index = value.findIndex((item, i) => itemElement(item, i, schema) === pe);
      if (index < 0) continue;
      if (child.member) value.splice(index, 1);
      else removePaths(value[index], schema?.items, child);
    }
  }
}
