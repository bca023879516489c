import type { KubeObject } from '../../kube/types.js';
import type { JSONSchemaProps, PrinterColumn } from '../../kube/json-schema.js';
import { CORE_KINDS, NAMESPACE_SCHEMA } from './core-kinds.js';
import { EVENTS, EVENTS_V1 } from './events.js';
import { REVIEWS } from './reviews.js';
import type { ResourceInfo, ScaleSpec, VersionInfo } from './types.js';

export const CRD_GROUP = 'apiextensions.k8s.io';

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export const NAMESPACES: ResourceInfo = {
  group: '',
  plural: 'namespaces',
  singular: 'namespace',
  kind: 'Namespace',
  listKind: 'NamespaceList',
  namespaced: false,
  shortNames: ['ns'],
  categories: [],
  versions: [
    {
      name: 'v1',
      storage: true,
      schema: NAMESPACE_SCHEMA,
      statusSubresource: true,
      selectableFields: ['status.phase'],
      columns: [{ name: 'Status', type: 'string', jsonPath: '.status.phase' }, AGE],
    },
  ],
  storageKey: '/namespaces',
  builtin: true,
};

export const CRDS: ResourceInfo = {
  group: CRD_GROUP,
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  kind: 'CustomResourceDefinition',
  listKind: 'CustomResourceDefinitionList',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  versions: [
    {
      name: 'v1',
      storage: true,
      statusSubresource: true,
      selectableFields: [],
      columns: [{ name: 'Created At', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
    },
  ],
  storageKey: `${CRD_GROUP}/customresourcedefinitions`,
  builtin: true,
};

interface CrdVersionSpec {
  name: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: { status?: unknown; scale?: Partial<ScaleSpec> };
  selectableFields?: { jsonPath: string }[];
  additionalPrinterColumns?: PrinterColumn[];
}

interface CrdSpec {
  group: string;
  scope: 'Namespaced' | 'Cluster';
  names: { plural: string; singular?: string; kind: string; listKind?: string; shortNames?: string[]; categories?: string[] };
  versions: CrdVersionSpec[];
}

const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);

function scaleOf(scale: Partial<ScaleSpec> | undefined): ScaleSpec | undefined {
  if (!isObject(scale) || typeof scale.specReplicasPath !== 'string' || typeof scale.statusReplicasPath !== 'string') return undefined;
  const { specReplicasPath, statusReplicasPath, labelSelectorPath } = scale;
  return { specReplicasPath, statusReplicasPath, ...(typeof labelSelectorPath === 'string' ? { labelSelectorPath } : {}) };
}

/** Reads a CRD object into a ResourceInfo; throws with the CRD's name when it is malformed. */
export function resourceFromCrd(crd: KubeObject): ResourceInfo {
  const spec = crd.spec as unknown as CrdSpec | undefined;
  const names = spec?.names;
  const wellFormed =
    typeof spec?.group === 'string' &&
    typeof names?.plural === 'string' &&
    typeof names.kind === 'string' &&
    Array.isArray(spec.versions) &&
    spec.versions.length > 0 &&
    spec.versions.every((v) => typeof v?.name === 'string');
  if (!wellFormed) {
    throw new Error(
      `CustomResourceDefinition ${crd.metadata.name}: spec.group, spec.names.plural, spec.names.kind and named spec.versions are required`,
    );
  }
  const served = spec.versions.filter((v) => v.served !== false);
  return {
    group: spec.group,
    plural: spec.names.plural,
    singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
    kind: spec.names.kind,
    listKind: spec.names.listKind ?? `${spec.names.kind}List`,
    namespaced: spec.scope !== 'Cluster',
    shortNames: spec.names.shortNames ?? [],
    categories: spec.names.categories ?? [],
    versions: served.map((v) => ({
      name: v.name,
      storage: v.storage === true,
      schema: isObject(v.schema?.openAPIV3Schema) ? v.schema.openAPIV3Schema : undefined,
      statusSubresource: v.subresources?.status !== undefined,
      scale: scaleOf(v.subresources?.scale),
      selectableFields: (Array.isArray(v.selectableFields) ? v.selectableFields : [])
        .filter((f) => typeof f?.jsonPath === 'string')
        .map((f) => f.jsonPath.replace(/^\./, '')),
      columns: Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns.filter(isObject) : [],
    })),
    storageKey: `${spec.group}/${spec.names.plural}`,
    builtin: false,
  };
}

/** What every server serves besides CRDs. */
function builtins(): ResourceInfo[] {
  return [NAMESPACES, CRDS, ...REVIEWS, ...CORE_KINDS, EVENTS, EVENTS_V1];
}

/** The set of served resources, rebuilt whenever the stored CRDs change. */
export class Registry {
  private resources: ResourceInfo[] = builtins();

  /** Replaces the custom resources with those of `crds` (malformed ones are reported, not served). */
  setCrds(crds: KubeObject[], onError: (err: Error) => void): void {
    const custom: ResourceInfo[] = [];
    for (const crd of crds) {
      try {
        custom.push(resourceFromCrd(crd));
      } catch (err) {
        onError(err as Error);
      }
    }
    this.resources = [...builtins(), ...custom];
  }

  all(): ResourceInfo[] {
    return this.resources;
  }

  /** The resource served at group/version/plural, with that version's info. */
  lookup(group: string, version: string, plural: string): { resource: ResourceInfo; version: VersionInfo } | undefined {
    for (const resource of this.resources) {
      if (resource.group !== group || resource.plural !== plural) continue;
      const v = resource.versions.find((x) => x.name === version);
      if (v) return { resource, version: v };
    }
    return undefined;
  }

  /** group → versions served (in CRD order), for discovery. */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const r of this.resources) {
      const versions = out.get(r.group) ?? [];
      for (const v of r.versions) if (!versions.includes(v.name)) versions.push(v.name);
      out.set(r.group, versions);
    }
    return out;
  }

  namespacedResources(): ResourceInfo[] {
    return this.resources.filter((r) => r.namespaced);
  }
}
