import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root as seen from this module, whether it runs from src/ (tests) or dist/ (bin/rdd). */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const templatesDir = path.join(root, 'templates');
/** CRD manifests served by the control plane. */
export const crdDir = path.join(templatesDir, 'crds');
export const limaTemplatePath = path.join(templatesDir, 'lima', 'rd.yaml');
export const packageJsonPath = path.join(root, 'package.json');
