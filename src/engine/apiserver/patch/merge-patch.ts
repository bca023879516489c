/** JSON merge patch (RFC 7386): objects merge recursively, `null` deletes, anything else replaces. */
import { isObject } from '../schema/json-value.js';

function mergeInto(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergeInto(result[key], value);
  }
  return result;
}

/** Returns the patched document; neither argument is modified and the result shares nothing with them. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  return mergeInto(structuredClone(target), structuredClone(patch));
}
