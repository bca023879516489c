import type { KubeObject } from '../../kube/types.js';
import type { StoreEvent } from './watch-hub.js';

/** The object in `json`, parsed on the first call only. */
export function parsedOnce(json: string): () => KubeObject {
  let parsed: KubeObject | undefined;
  return () => (parsed ??= JSON.parse(json) as KubeObject);
}

/**
 * A committed write as watchers see it. `previous` is parsed only when read:
 * only a watch with selectors needs it (to tell a MODIFIED from an object
 * entering or leaving its selection), and parsing it for every write was a
 * JSON.parse of the whole object each time.
 */
export class LogEvent implements StoreEvent {
  readonly resource: string;
  readonly namespace: string;
  readonly name: string;

  constructor(
    readonly type: StoreEvent['type'],
    key: Pick<StoreEvent, 'resource' | 'namespace' | 'name'>,
    readonly revision: number,
    readonly object: KubeObject,
    private readonly readPrevious?: () => KubeObject,
  ) {
    this.resource = key.resource;
    this.namespace = key.namespace;
    this.name = key.name;
  }

  get previous(): KubeObject | undefined {
    return this.readPrevious?.();
  }
}
