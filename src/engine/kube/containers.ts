/** Names shared by the mirror's writers, the admission hooks and the docs. */

/** On every Container, Image and Volume mirror; its handler removes the engine object (docs/containers-api.md). */
export const MIRROR_FINALIZER = 'engine.rancherdesktop.io/docker-mirror';

/** The only ContainerNamespace, and the value of every mirror's status.namespace. */
export const MOBY_NAMESPACE = 'moby';

/** Where mirrors live unless the App says otherwise (App spec.namespace default). */
export const DEFAULT_API_NAMESPACE = 'rancher-desktop';

/** Container spec.state values; `unknown` means "no intent", set by the engine at creation. */
export const CONTAINER_STATES = ['unknown', 'running', 'created', 'paused'] as const;
export type ContainerState = (typeof CONTAINER_STATES)[number];

/** docker's State.Status values. */
export const CONTAINER_STATUSES = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'] as const;

/** On a mirror whose deletion the engine refuses: status False, a DeletingReason, the engine's words. */
export const DELETING_CONDITION = 'Deleting';
export const DeletingReason = {
  /** A container uses the image or volume; removing that container retries at once. */
  InUse: 'InUse',
  EngineRefused: 'EngineRefused',
} as const;

/** Writes the Deleting condition, apart from the sync's own field manager. */
export const MIRROR_DELETION_MANAGER = 'rdd-mirror-deletion';
