import type Docker from 'dockerode';
import type { KubeClient } from '../../kube/client.js';
import type { ResourceRef } from '../../kube/resources.js';
import type { Logger } from '../../base/log.js';
import type { SerialLock } from '../../base/serial-lock.js';
import type { EngineKey } from './routing.js';
import type { EventRecorder } from '../../kube/events.js';

/** What the mirror's per-object work needs while connected to one engine. */
export interface MirrorContext {
  client: KubeClient;
  docker: Docker;
  /** API namespace of the mirrors (App spec.namespace). */
  namespace: string;
  log: Logger;
  /** Events about mirrors, for `kubectl describe` and `kubectl events`. */
  events: EventRecorder;
  /** Queues a re-sync of one engine object. */
  enqueue(key: EngineKey): void;
  /**
   * Image syncs run one at a time: events name an image by ID or by
   * reference, so two keys can mean one image, and one sync's prune must not
   * race another's apply.
   */
  imageLock: SerialLock;
  /**
   * False when the controller's watch has never seen this mirror, so a sync
   * can create it without reading it first (a 409 falls back to a read).
   */
  mayExist(ref: ResourceRef, name: string): boolean;
}
