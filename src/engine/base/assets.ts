import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const moduleDir = path.dirname(fileURLToPath(import.meta.url));

/**
 * The package root: the nearest folder above this module with a package.json.
 * This module runs from src/engine/base/ (tests), dist/engine/base/ (tsc output)
 * or dist/bundle/ (the bundle bin/rdd runs): three depths, one rule.
 */
function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json in or above ${from}`);
  }
}

const root = packageRoot(moduleDir);
/** Whether this code runs from the build: then it uses what the build made of templates/ too. */
const built = path.relative(path.join(root, 'dist'), moduleDir).split(path.sep)[0] !== '..';

export const templatesDir = path.join(root, 'templates');
/**
 * CRD manifests served by the control plane: templates/crds as written (YAML)
 * for code run from src/, the same converted to JSON by the build
 * (dist/crds, `scripts/build-crds.mjs`) for the built daemon and CLI, which
 * then need not load and run a YAML parser at start.
 */
export const crdDir = built ? path.join(root, 'dist', 'crds') : path.join(templatesDir, 'crds');
export const limaTemplatePath = path.join(templatesDir, 'lima', 'rd.yaml');
export const packageJsonPath = path.join(root, 'package.json');
