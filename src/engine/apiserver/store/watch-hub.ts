import type { KubeObject } from '../../kube/types.js';

/** One committed write, as the log and live watchers see it. */
export interface StoreEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resource: string;
  namespace: string;
  name: string;
  revision: number;
  /** The new state; for DELETED the last state stamped with the deleting revision. */
  object: KubeObject;
  /** The state before this write, when there was one. */
  previous?: KubeObject;
}

export interface Subscription {
  /** Called synchronously after each commit to a subscribed resource. */
  onEvent(event: StoreEvent): void;
  /** Called when the store closes. */
  onClose(): void;
}

/** In-process fan-out of committed writes to watchers, keyed by resource. */
export class WatchHub {
  private readonly byResource = new Map<string, Set<Subscription>>();
  private readonly everything = new Set<Subscription>();

  /** Subscribes to one resource, or to every write with `resource` undefined. */
  subscribe(resource: string | undefined, sub: Subscription): () => void {
    const set = resource === undefined ? this.everything : this.setFor(resource);
    set.add(sub);
    return () => set.delete(sub);
  }

  /** How many subscriptions are open: what open watches hold (a test of their release reads it). */
  get size(): number {
    let n = this.everything.size;
    for (const set of this.byResource.values()) n += set.size;
    return n;
  }

  publish(event: StoreEvent): void {
    for (const sub of [...(this.byResource.get(event.resource) ?? []), ...this.everything]) {
      sub.onEvent(event);
    }
  }

  closeAll(): void {
    for (const set of [...this.byResource.values(), this.everything]) {
      for (const sub of set) sub.onClose();
      set.clear();
    }
  }

  private setFor(resource: string): Set<Subscription> {
    let set = this.byResource.get(resource);
    if (!set) {
      set = new Set();
      this.byResource.set(resource, set);
    }
    return set;
  }
}
