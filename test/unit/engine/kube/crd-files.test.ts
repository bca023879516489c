import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readCrdFiles } from '../../../../src/engine/kube/crd-files.js';

const crd = (name: string) => ({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name } });

let dir: string;
beforeEach(() => (dir = mkdtempSync('/tmp/rdd-crd-files.')));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('readCrdFiles', () => {
  it('reads YAML (several documents) and JSON (an array, or one object) in file-name order, and keeps only CRDs', () => {
    writeFileSync(path.join(dir, 'b.yaml'), 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: b1}\n---\nkind: ConfigMap\nmetadata: {name: x}\n');
    writeFileSync(path.join(dir, 'a.json'), JSON.stringify([crd('a1'), crd('a2')]));
    writeFileSync(path.join(dir, 'c.json'), JSON.stringify(crd('c1')));
    writeFileSync(path.join(dir, 'notes.txt'), 'kind: CustomResourceDefinition');
    expect(readCrdFiles(dir).map((c) => c.metadata.name)).toEqual(['a1', 'a2', 'b1', 'c1']);
  });

  it('names the file of a broken manifest', () => {
    writeFileSync(path.join(dir, 'broken.json'), '[{"kind": ');
    expect(() => readCrdFiles(dir)).toThrow(/broken\.json/);
    rmSync(path.join(dir, 'broken.json'));
    writeFileSync(path.join(dir, 'broken.yaml'), 'kind: [unclosed');
    expect(() => readCrdFiles(dir)).toThrow(/broken\.yaml/);
  });
});
