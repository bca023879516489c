import { readdirSync } from 'node:fs';
import path from 'node:path';
import { instancePaths, resolveInstance } from '../../engine/base/paths.js';

const PREFIX = 'rancher-desktop-';

/** Names of the instances that have a service dir; they all share one parent directory. */
export function existingInstances(env: NodeJS.ProcessEnv = process.env): string[] {
  const parent = path.dirname(instancePaths('x', { env }).dir);
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  return names.filter((n) => n.startsWith(PREFIX) && isInstanceName(n.slice(PREFIX.length), env)).map((n) => n.slice(PREFIX.length)).sort();
}

function isInstanceName(name: string, env: NodeJS.ProcessEnv): boolean {
  try {
    return resolveInstance(name, env) === name;
  } catch {
    return false;
  }
}
