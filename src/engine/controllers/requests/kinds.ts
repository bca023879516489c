import { CONTAINERS_GROUP, type ResourceRef } from '../../kube/resources.js';
import type { Condition, KubeObject } from '../../kube/types.js';

/** The request kinds: one-shot engine operations a client asks for by creating an object (docs/containers-api.md). */

const request = (kind: string): ResourceRef => ({
  group: CONTAINERS_GROUP,
  version: 'v1alpha1',
  plural: `${kind.toLowerCase()}s`,
  kind,
  namespaced: true,
});

export const VOLUME_CREATE_REQUEST = request('VolumeCreateRequest');
export const IMAGE_PULL_REQUEST = request('ImagePullRequest');
export const IMAGE_TAG_REQUEST = request('ImageTagRequest');
export const CONTAINER_CREATE_REQUEST = request('ContainerCreateRequest');

export const REQUEST_KINDS: readonly ResourceRef[] = [VOLUME_CREATE_REQUEST, IMAGE_PULL_REQUEST, IMAGE_TAG_REQUEST, CONTAINER_CREATE_REQUEST];

/** Writes request status. */
export const REQUEST_CONTROLLER_MANAGER = 'rdd-request-controller';

export const COMPLETE = 'Complete';
export const FAILED = 'Failed';

export interface VolumeCreateSpec {
  name?: string;
  driver?: 'local';
  labels?: Record<string, string>;
  options?: Record<string, string>;
}

export interface ImagePullSpec {
  repoTag: string;
}

export interface ImageTagSpec {
  source: string;
  repoTag: string;
}

export interface PortSpec {
  containerPort: number;
  protocol?: 'tcp' | 'udp';
  hostPort?: number;
  hostIP?: string;
}

export interface MountSpec {
  volume: string;
  mountPath: string;
  readOnly?: boolean;
}

export interface ContainerCreateSpec {
  name?: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
  labels?: Record<string, string>;
  ports?: PortSpec[];
  mounts?: MountSpec[];
  state?: 'running' | 'created';
}

export interface RequestObject<S = Record<string, unknown>> extends KubeObject {
  spec?: S & { ttlSecondsAfterFinished?: number };
  status?: {
    phase?: string;
    conditions?: Condition[];
    completionTime?: string;
    result?: RequestResult;
    [field: string]: unknown;
  };
}

/** What a request produced: the mirror's kind and name, and the engine's own identifier. */
export interface RequestResult {
  kind: string;
  name: string;
  id: string;
}

/** Default of spec.ttlSecondsAfterFinished in templates/crds/requests.yaml; also used when a stored object lacks it. */
export const DEFAULT_TTL_SECONDS = 600;

/** The spec field naming the request's target. */
export function targetField(ref: ResourceRef): 'name' | 'repoTag' {
  return ref === VOLUME_CREATE_REQUEST || ref === CONTAINER_CREATE_REQUEST ? 'name' : 'repoTag';
}

/**
 * The engine name a request claims, which only one pending request may claim
 * at a time; undefined when docker picks the name.
 */
export function targetOf(ref: ResourceRef, spec: Record<string, unknown> | undefined): string | undefined {
  const value = spec?.[targetField(ref)];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The condition that ended the request, if it ended. */
export function finishedCondition(obj: RequestObject): Condition | undefined {
  return obj.status?.conditions?.find((c) => (c.type === COMPLETE || c.type === FAILED) && c.status === 'True');
}
