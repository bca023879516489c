import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One level below src/ (tests) or dist/ (dist/base/, or dist/bundle/ for the bundle bin/rdd runs). */
const moduleDir = path.dirname(fileURLToPath(import.meta.url));
/** The repository root as seen from this module. */
const root = path.resolve(moduleDir, '..', '..');
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
