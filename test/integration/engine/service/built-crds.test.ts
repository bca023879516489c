import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageJsonPath, templatesDir } from '../../../../src/engine/base/assets.js';
import { readCrdFiles } from '../../../../src/engine/kube/crd-files.js';

/** The built daemon and CLI serve dist/crds (`npm run build` first): the templates' CRDs, converted, nothing else. */
describe('dist/crds', () => {
  it('holds exactly the CRDs of templates/crds', () => {
    const built = readCrdFiles(path.join(path.dirname(packageJsonPath), 'dist', 'crds'));
    expect(built.length).toBeGreaterThan(0);
    expect(built).toEqual(readCrdFiles(path.join(templatesDir, 'crds')));
  });
});
