import { buildInfo } from '../../base/build-info.js';
import type { Registry } from '../registry/registry.js';
import type { ResourceInfo, VersionInfo } from '../registry/types.js';
import { isJsonRange, notAcceptable, parseAccept } from './negotiation.js';

/** The kube version we claim: kubectl's dispatcher picks its bundled client by the minor. */
export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-rdd',
  gitCommit: 'rdd',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'n/a',
  compiler: 'rdd',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  /** rdd's own version and commit, which the CLI compares with its own (src/commands/program/version-skew.ts). */
  rdd: buildInfo(),
};

const VERBS_CUSTOM = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];
const VERBS_NAMESPACE = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const VERBS_STATUS = ['get', 'patch', 'update'];

function verbsOf(r: ResourceInfo): string[] {
  return r.verbs ?? (r.group === '' ? VERBS_NAMESPACE : VERBS_CUSTOM);
}

function apiResources(resources: ResourceInfo[], version: string): unknown[] {
  const out: unknown[] = [];
  for (const r of resources) {
    const v: VersionInfo | undefined = r.versions.find((x) => x.name === version);
    if (!v) continue;
    out.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: verbsOf(r),
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
    });
    if (v.statusSubresource) {
      out.push({ name: `${r.plural}/status`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: VERBS_STATUS });
    }
    if (v.scale) {
      out.push({ name: `${r.plural}/scale`, singularName: '', namespaced: r.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: VERBS_STATUS });
    }
  }
  return out;
}

export function coreVersions(serverAddress: string): unknown {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** APIResourceList for `/api/v1` (group '') or `/apis/G/V`; undefined when not served. */
export function resourceList(registry: Registry, group: string, version: string): unknown {
  const resources = registry.all().filter((r) => r.group === group);
  const list = apiResources(resources, version);
  if (!list.length) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources: list };
}

function apiGroup(name: string, versions: string[]): unknown {
  const gvs = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: gvs, preferredVersion: gvs[0] };
}

export function groupList(registry: Registry): unknown {
  const groups = [...registry.groups()].filter(([name]) => name !== '').map(([name, versions]) => apiGroup(name, versions));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function group(registry: Registry, name: string): unknown {
  const versions = registry.groups().get(name);
  if (!versions || name === '') return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...(apiGroup(name, versions) as object) };
}

/** The media type of aggregated discovery (one round trip for every group), which kubectl and client-go ask for first. */
export const AGGREGATED_DISCOVERY = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** The aggregated discovery versions served: v2, and v2beta1 (the same shape) for clients of kube 1.26–1.29. */
const AGGREGATED_VERSIONS = ['v2', 'v2beta1'];

/**
 * Which discovery document `/api` or `/apis` answers this Accept header with:
 * an aggregated version, or (`legacy`) the APIVersions/APIGroupList; 406 when neither.
 */
export function discoveryOutput(accept: string | undefined): 'legacy' | 'v2' | 'v2beta1' {
  for (const range of parseAccept(accept)) {
    if (!isJsonRange(range)) continue;
    const { as, g, v } = range.params;
    if (as === undefined) return 'legacy';
    if (as === 'APIGroupDiscoveryList' && g === 'apidiscovery.k8s.io' && AGGREGATED_VERSIONS.includes(v ?? '')) return v as 'v2' | 'v2beta1';
  }
  throw notAcceptable(['application/json', AGGREGATED_DISCOVERY]);
}

function discoveryResource(r: ResourceInfo, v: VersionInfo): unknown {
  const responseKind = { group: r.group, version: v.name, kind: r.kind };
  const subresources = [
    ...(v.statusSubresource ? [{ subresource: 'status', responseKind, verbs: VERBS_STATUS }] : []),
    ...(v.scale ? [{ subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: VERBS_STATUS }] : []),
  ];
  return {
    resource: r.plural,
    responseKind,
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: verbsOf(r),
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length ? { categories: r.categories } : {}),
    ...(subresources.length ? { subresources } : {}),
  };
}

/** APIGroupDiscoveryList for `/api` (core) or `/apis` (every named group), apidiscovery.k8s.io/v2 or v2beta1. */
export function aggregatedDiscovery(registry: Registry, core: boolean, version = 'v2'): unknown {
  const items = [...registry.groups()]
    .filter(([name]) => (name === '') === core)
    .map(([name, versions]) => ({
      metadata: { name, creationTimestamp: null },
      versions: versions.map((version) => ({
        version,
        resources: registry
          .all()
          .filter((r) => r.group === name)
          .flatMap((r) => r.versions.filter((v) => v.name === version).map((v) => discoveryResource(r, v))),
        freshness: 'Current',
      })),
    }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}
