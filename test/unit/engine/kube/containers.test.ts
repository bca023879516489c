import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { crdDir } from '../../../../src/engine/base/assets.js';
import { CONTAINER_STATES, CONTAINER_STATUSES } from '../../../../src/engine/kube/containers.js';

interface Version {
  name: string;
  subresources?: { status?: object };
  selectableFields?: { jsonPath: string }[];
  additionalPrinterColumns?: { name: string; jsonPath: string }[];
  schema: { openAPIV3Schema: { properties: Record<string, { properties?: Record<string, { enum?: string[] }> }> } };
}
interface Crd {
  spec: { group: string; scope: string; names: { kind: string }; versions: Version[] };
}

const crds = parseAllDocuments(readFileSync(path.join(crdDir, 'containers.yaml'), 'utf8')).map((d) => d.toJS() as Crd);
const byKind = new Map(crds.map((c) => [c.spec.names.kind, c]));
const version = (kind: string) => byKind.get(kind)!.spec.versions[0];

describe('containers CRDs', () => {
  it('defines the four namespaced kinds in containers.rancherdesktop.io/v1alpha1', () => {
    expect([...byKind.keys()].sort()).toEqual(['Container', 'ContainerNamespace', 'Image', 'Volume']);
    for (const c of crds) {
      expect(c.spec.group).toBe('containers.rancherdesktop.io');
      expect(c.spec.scope).toBe('Namespaced');
      expect(c.spec.versions.map((v) => v.name)).toEqual(['v1alpha1']);
    }
  });

  it.each([
    ['Container', ['.status.name', '.status.status']],
    ['Image', ['.status.id', '.status.repoTag', '.status.namespace']],
    ['Volume', ['.status.name', '.status.namespace']],
  ])('%s has a status subresource and selectable fields %j', (kind, fields) => {
    expect(version(kind).subresources?.status).toBeDefined();
    expect(version(kind).selectableFields?.map((f) => f.jsonPath)).toEqual(fields);
  });

  it('enumerates spec.state and status.status as the code does', () => {
    const props = version('Container').schema.openAPIV3Schema.properties;
    expect(props.spec.properties!.state.enum).toEqual([...CONTAINER_STATES]);
    expect(props.status.properties!.status.enum).toEqual([...CONTAINER_STATUSES]);
  });

  it.each([
    ['Container', ['Image', 'Command', 'Created', 'Status', 'Ports', 'Names']],
    ['Image', ['Repo-Tag', 'Image-ID', 'Created', 'Size']],
    ['Volume', ['Driver', 'Volume-Name']],
  ])('%s printer columns read like docker (%j first)', (kind, columns) => {
    expect(version(kind).additionalPrinterColumns?.slice(0, columns.length).map((c) => c.name)).toEqual(columns);
  });
});
