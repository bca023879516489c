import type { KubeObject } from '../../kube/types.js';
import type { Logger } from '../../base/log.js';
import { NAMESPACES } from '../registry/registry.js';
import { revisionOf, type ObjectKey, type Store } from '../store/store.js';
import { nameOf } from '../store/stored-object.js';
import { nowTimestamp } from '../timestamp.js';

/** The namespaces kube-apiserver's NamespaceLifecycle admission never lets go; the product adds its own through admission hooks. */
export const IMMORTAL_NAMESPACES: readonly string[] = ['default', 'kube-system', 'kube-public'];

/** kube's words for refusing to delete an immortal namespace (after `namespaces "<name>" is forbidden: `). */
export const IMMORTAL_NAMESPACE_MESSAGE = 'this namespace may not be deleted';

/** Whether a deleted object has nothing left holding it (Namespaces also wait for spec.finalizers). */
export function isReleased(obj: KubeObject): boolean {
  const specFinalizers = obj.kind === 'Namespace' ? ((obj.spec?.finalizers as string[] | undefined) ?? []) : [];
  return Boolean(obj.metadata.deletionTimestamp) && !obj.metadata.finalizers?.length && !specFinalizers.length;
}

/**
 * Deletes an object as kube's registry does: one with finalizers gets a
 * deletionTimestamp (and a generation bump) and stays until they are gone;
 * one without is removed. Returns the object as left and whether it is gone.
 */
export function deleteObject(store: Store, key: ObjectKey, live: KubeObject, dryRun: boolean): { object: KubeObject; removed: boolean } {
  if (live.metadata.finalizers?.length) {
    if (live.metadata.deletionTimestamp) return { object: live, removed: false };
    const marked = structuredClone(live);
    marked.metadata.deletionTimestamp = nowTimestamp();
    marked.metadata.deletionGracePeriodSeconds = 0;
    marked.metadata.generation = (live.metadata.generation ?? 1) + 1;
    return { object: dryRun ? marked : store.put(key, marked, revisionOf(live)), removed: false };
  }
  return { object: dryRun ? live : store.delete(key, revisionOf(live)), removed: true };
}

/**
 * Namespace deletion: the namespace turns Terminating, everything in it is
 * deleted (objects with finalizers linger until those are removed), and the
 * namespace itself goes once it is empty.
 */
export class NamespaceLifecycle {
  private unsubscribe = () => {};

  // The parts of the ServerContext it uses: the context holds the lifecycle, so cannot be its type.
  constructor(private readonly ctx: { store: Store; log: Logger }) {}

  /** Follows deletions in terminating namespaces and finishes those left over from a previous run. */
  start(): void {
    this.unsubscribe = this.ctx.store.hub.subscribe(undefined, {
      onEvent: (ev) => {
        // Deferred so the namespace's own events follow this one instead of interleaving with its fan-out.
        // Stryker disable next-line LogicalOperator: finishing a namespace on more events only re-checks it; it goes when empty either way
        if (ev.type === 'DELETED' && ev.namespace) queueMicrotask(() => this.finishIfEmpty(ev.namespace));
        // A terminating namespace whose own finalizers were just removed may be done.
        // Stryker disable next-line LogicalOperator: finishing a namespace on more events only re-checks it; it goes when empty either way
        if (ev.type === 'MODIFIED' && ev.resource === NAMESPACES.storageKey && ev.object.metadata.deletionTimestamp) {
          queueMicrotask(() => this.finishIfEmpty(ev.name));
        }
      },
      onClose: () => {},
    });
    for (const ns of this.ctx.store.list(NAMESPACES.storageKey).items) {
      if (ns.metadata.deletionTimestamp) this.deleteContents(nameOf(ns));
    }
  }

  // Stryker disable next-line BlockStatement: stop() runs only as the server closes, with the store whose hub it leaves; a listener left behind sees only writes already in flight, which finish a namespace as the next start would
  stop(): void {
    this.unsubscribe();
  }

  /** Marks the namespace Terminating and deletes its contents; returns the namespace as left. */
  terminate(live: KubeObject, dryRun: boolean): KubeObject {
    const name = nameOf(live);
    if (dryRun || live.metadata.deletionTimestamp) return live;
    const marked = structuredClone(live);
    marked.metadata.deletionTimestamp = nowTimestamp();
    marked.metadata.deletionGracePeriodSeconds = 0;
    // Stryker disable next-line LogicalOperator: a Namespace's status holds only its phase (prepare sets it), which this overwrites
    marked.status = { ...(marked.status ?? {}), phase: 'Terminating' };
    const stored = this.ctx.store.put(this.key(name), marked, revisionOf(live));
    this.deleteContents(name);
    return this.ctx.store.get(this.key(name)) ?? stored;
  }

  private key(name: string): ObjectKey {
    return { resource: NAMESPACES.storageKey, namespace: '', name };
  }

  private deleteContents(namespace: string): void {
    for (const resource of this.ctx.store.namespaceContents(namespace).resources) {
      for (const obj of this.ctx.store.list(resource, namespace).items) {
        const key = { resource, namespace, name: nameOf(obj) };
        try {
          // Stryker disable BlockStatement: listing and deleting run in one synchronous pass, so no write comes between them; only a store that fails to write reaches the catch below
          deleteObject(this.ctx.store, key, obj, false);
        } catch (err) {
          // Stryker disable next-line StringLiteral,ObjectLiteral: only a store that fails to write reaches this catch (above)
          this.ctx.log.warn('namespace cleanup could not delete an object', { namespace, resource, name: key.name, error: err });
        }
      }
    }
    // Stryker restore BlockStatement
    this.finishIfEmpty(namespace);
  }

  private finishIfEmpty(namespace: string): void {
    try {
      // Stryker disable BlockStatement: removeIfEmpty reads and writes in one synchronous pass, so no write comes between them; only a store that fails to write reaches the catch below
      this.removeIfEmpty(namespace);
    } catch (err) {
      // A store that could not write; the next deletion in the namespace retries.
      // Stryker disable next-line StringLiteral,ObjectLiteral: only a store that fails to write reaches this catch (above)
      this.ctx.log.warn('could not finish deleting a namespace', { namespace, error: err });
    }
  }

  // Stryker restore BlockStatement
  private removeIfEmpty(namespace: string): void {
    const ns = this.ctx.store.get(this.key(namespace));
    if (!ns?.metadata.deletionTimestamp || this.ctx.store.namespaceContents(namespace).count > 0) return;
    let current = ns;
    if ((ns.spec?.finalizers as string[] | undefined)?.length) {
      const finalized = structuredClone(ns);
      // Stryker disable next-line ObjectLiteral,LogicalOperator: a Namespace's spec holds only finalizers; without them or with an empty list it is released alike, and goes on the next line
      finalized.spec = { ...(finalized.spec ?? {}), finalizers: [] };
      current = this.ctx.store.put(this.key(namespace), finalized, revisionOf(ns));
    }
    if (isReleased(current)) this.ctx.store.delete(this.key(namespace), revisionOf(current));
  }
}
