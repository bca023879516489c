import { PATH_KEYS, type InstancePaths, type PathKey } from '../../engine/base/paths.js';
import { UsageError } from '../../engine/base/errors.js';

export const PATH_FORMATS = ['text', 'json', 'shell'] as const;
export type PathFormat = (typeof PATH_FORMATS)[number];

const KEYS = Object.keys(PATH_KEYS) as PathKey[];

function isPathKey(key: string): key is PathKey {
  return Object.hasOwn(PATH_KEYS, key);
}

/** POSIX single quoting: safe for `eval` whatever the path contains. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `docker_socket` → `RDD_DOCKER_SOCKET`. */
export function shellVariable(key: PathKey): string {
  return `RDD_${key.toUpperCase()}`;
}

/**
 * `rdd svc paths [KEY] [-o text|json|shell]`: every path as `key: value`
 * lines (or JSON, or `export RDD_KEY='value'` lines a shell can source or
 * `eval`); with KEY just that one.
 */
export function renderPaths(paths: InstancePaths, format: PathFormat, key?: string): string {
  if (key !== undefined && !isPathKey(key)) {
    throw new UsageError(`unknown path key "${key}": valid keys are ${KEYS.join(', ')}`);
  }
  const keys = key === undefined ? KEYS : [key];
  const value = (k: PathKey) => paths[PATH_KEYS[k]];
  switch (format) {
    case 'json':
      return (
        (key === undefined
          ? JSON.stringify(Object.fromEntries(keys.map((k) => [k, value(k)])), null, 2)
          : JSON.stringify(value(key))) + '\n'
      );
    case 'shell':
      return keys.map((k) => `export ${shellVariable(k)}=${shellQuote(value(k))}\n`).join('');
    case 'text':
      return key === undefined ? keys.map((k) => `${k}: ${value(k)}\n`).join('') : `${value(key)}\n`;
  }
}
