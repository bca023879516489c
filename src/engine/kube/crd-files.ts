import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Yaml from 'yaml';
import type { KubeObject } from './types.js';

/** Files of CRD manifests: YAML as written in templates/crds, or JSON as `npm run build` writes them to dist/crds. */
export const isCrdFile = (name: string): boolean => /\.(ya?ml|json)$/.test(name);

/**
 * The documents of one manifest file. A JSON file holds an array of them (the
 * build's output, `scripts/build-crds.mjs`). YAML is parsed
 * with the yaml package, imported only here: it costs ~0.1 s to import and
 * ~0.2–0.4 s to parse the shipped CRDs on a cold start, which is why the
 * build pre-converts them.
 */
function readDocuments(file: string): unknown[] {
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
    }
    return Array.isArray(parsed) ? parsed : [parsed];
  }
  const { parseAllDocuments } = createRequire(import.meta.url)('yaml') as typeof Yaml;
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`, { cause: doc.errors[0] });
    return doc.toJS() as unknown;
  });
}

/** The CustomResourceDefinitions in the manifest files of `dir`, in file-name order. */
export function readCrdFiles(dir: string): KubeObject[] {
  const crds: KubeObject[] = [];
  for (const name of readdirSync(dir).filter(isCrdFile).sort()) {
    for (const doc of readDocuments(path.join(dir, name))) {
      if ((doc as KubeObject | null)?.kind === 'CustomResourceDefinition') crds.push(doc as KubeObject);
    }
  }
  return crds;
}
