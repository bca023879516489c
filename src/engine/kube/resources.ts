/** Where a resource lives in the API. Controllers and commands address resources only through these. */
export interface ResourceRef {
  group: string; // '' for core
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

export const NAMESPACE: ResourceRef = { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false };
export const CRD: ResourceRef = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  kind: 'CustomResourceDefinition',
  namespaced: false,
};

export const APP_GROUP = 'app.rancherdesktop.io';
export const CONTAINERS_GROUP = 'containers.rancherdesktop.io';

export const APP: ResourceRef = { group: APP_GROUP, version: 'v1alpha1', plural: 'apps', kind: 'App', namespaced: false };
export const APP_NAME = 'app';

export const CONTAINER: ResourceRef = { group: CONTAINERS_GROUP, version: 'v1alpha1', plural: 'containers', kind: 'Container', namespaced: true };
export const IMAGE: ResourceRef = { group: CONTAINERS_GROUP, version: 'v1alpha1', plural: 'images', kind: 'Image', namespaced: true };
export const VOLUME: ResourceRef = { group: CONTAINERS_GROUP, version: 'v1alpha1', plural: 'volumes', kind: 'Volume', namespaced: true };
export const CONTAINER_NAMESPACE: ResourceRef = {
  group: CONTAINERS_GROUP,
  version: 'v1alpha1',
  plural: 'containernamespaces',
  kind: 'ContainerNamespace',
  namespaced: true,
};

export function apiVersionOf(ref: ResourceRef): string {
  return ref.group ? `${ref.group}/${ref.version}` : ref.version;
}

/** The collection path, e.g. /apis/g/v/namespaces/ns/plural. */
export function collectionPath(ref: ResourceRef, namespace?: string): string {
  const base = ref.group ? `/apis/${ref.group}/${ref.version}` : `/api/${ref.version}`;
  if (ref.namespaced && namespace) return `${base}/namespaces/${encodeURIComponent(namespace)}/${ref.plural}`;
  return `${base}/${ref.plural}`;
}

export function objectPath(ref: ResourceRef, name: string, namespace?: string, subresource?: string): string {
  const p = `${collectionPath(ref, namespace)}/${encodeURIComponent(name)}`;
  return subresource ? `${p}/${subresource}` : p;
}
