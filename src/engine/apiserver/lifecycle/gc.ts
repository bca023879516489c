import type { KubeObject } from '../../kube/types.js';
import type { Logger } from '../../base/log.js';
import type { Registry } from '../registry/registry.js';
import { deleteObject, isReleased } from './deletion.js';
import { revisionOf, type ObjectKey, type Store, type StoreEvent } from '../store/store.js';
import { nameOf, uidOf } from '../store/stored-object.js';

/** The finalizer that holds an owner deleted with propagationPolicy=Foreground until its blocking dependents are gone. */
export const FOREGROUND_DELETION = 'foregroundDeletion';

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

const encode = (key: ObjectKey): string => JSON.stringify([key.resource, key.namespace, key.name]);
const decode = (s: string): ObjectKey => {
  const [resource, namespace, name] = JSON.parse(s) as string[];
  return { resource, namespace, name };
};

// Stryker disable next-line MethodExpression,ArrayDeclaration: admission refuses an ownerReference without a uid (422), so the filter never drops one; a non-reference has no uid
const ownerUids = (obj: KubeObject): string[] => (obj.metadata.ownerReferences ?? []).map((r) => r.uid).filter(Boolean);

/**
 * kube's garbage collector for ownerReferences, in process: a dependent
 * whose owners are all gone is deleted (Background); an owner deleted in
 * the Foreground keeps a `foregroundDeletion` finalizer until its dependents
 * with blockOwnerDeletion are gone; Orphan strips the references instead.
 * Driven by the store's events, with an index from owner uid to dependents.
 */
export class GarbageCollector {
  private readonly dependents = new Map<string, Set<string>>();
  private readonly owners = new Map<string, string[]>();
  private readonly live = new Map<string, string>();
  private unsubscribe = () => {};

  // The parts of the ServerContext it uses: the context holds the collector, so cannot be its type.
  constructor(private readonly ctx: { store: Store; registry: Registry; log: Logger }) {}

  start(): void {
    // Stryker disable next-line MethodExpression: listing a review kind (never stored) finds nothing
    const stored = new Set(this.ctx.registry.all().filter((r) => !r.review).map((r) => r.storageKey));
    for (const resource of stored) for (const obj of this.ctx.store.list(resource).items) this.index(this.keyOf(resource, obj), obj);
    this.unsubscribe = this.ctx.store.hub.subscribe(undefined, { onEvent: (ev) => this.onEvent(ev), onClose: () => {} });
    // Owners deleted while the server was down.
    for (const uid of [...this.dependents.keys()]) if (!this.live.has(uid)) this.ownerGone(uid);
    for (const key of this.live.values()) this.checkForeground(decode(key));
  }

  // Stryker disable next-line BlockStatement: the server closes the store with the collector, and a closed store's hub sends nothing more
  stop(): void {
    this.unsubscribe();
  }

  /** Orphan propagation: removes the references to `owner` from its dependents (before the owner goes). */
  orphan(owner: KubeObject): void {
    const uid = uidOf(owner);
    for (const key of this.dependents.get(uid) ?? []) this.dropReference(decode(key), uid);
  }

  private keyOf(resource: string, obj: KubeObject): ObjectKey {
    return { resource, namespace: obj.metadata.namespace ?? '', name: nameOf(obj) };
  }

  private index(key: ObjectKey, obj: KubeObject | undefined): void {
    const k = encode(key);
    // Stryker disable next-line ArrayDeclaration: a uid no object has: no dependents set to update
    for (const uid of this.owners.get(k) ?? []) {
      const set = this.dependents.get(uid);
      set?.delete(k);
      if (set?.size === 0) this.dependents.delete(uid);
    }
    this.owners.delete(k);
    if (!obj) return;
    if (obj.metadata.uid) this.live.set(obj.metadata.uid, k);
    const uids = ownerUids(obj);
    if (!uids.length) return;
    this.owners.set(k, uids);
    for (const uid of uids) {
      const set = this.dependents.get(uid) ?? new Set();
      set.add(k);
      this.dependents.set(uid, set);
    }
  }

  private onEvent(ev: StoreEvent): void {
    const key = { resource: ev.resource, namespace: ev.namespace, name: ev.name };
    // Stryker disable next-line ArrayDeclaration: a uid no object has: the foreground check it schedules finds no owner
    const before = this.owners.get(encode(key)) ?? [];
    let foreground = false;
    // Stryker disable next-line ArrayDeclaration: a uid no object has: no dependents to collect
    let dangling: string[] = [];
    if (ev.type === 'DELETED') {
      this.index(key, undefined);
      if (ev.object.metadata.uid) this.live.delete(ev.object.metadata.uid);
    } else {
      this.index(key, ev.object);
      foreground = Boolean(ev.object.metadata.deletionTimestamp && ev.object.metadata.finalizers?.includes(FOREGROUND_DELETION));
      // A dependent written with a reference to an owner already gone is collected as at a start (and as kube does).
      dangling = ownerUids(ev.object).filter((u) => !this.live.has(u));
    }
    const uid = uidOf(ev.object);
    const ownerDeleted = ev.type === 'DELETED' && this.dependents.has(uid);
    // Most writes touch no owner relation at all: nothing to schedule.
    if (!ownerDeleted && !foreground && !before.length && !dangling.length) return;
    // Deferred so the collector's writes follow the event that caused them.
    queueMicrotask(() => {
      if (ownerDeleted) this.ownerGone(uid);
      for (const gone of dangling) this.ownerGone(gone);
      if (foreground) {
        this.deleteDependents(uid);
        this.checkForeground(key);
      }
      // A dependent that went away (or dropped its reference) may unblock an owner deleted in the foreground.
      for (const ownerUid of before) {
        const owner = this.live.get(ownerUid);
        if (owner) this.checkForeground(decode(owner));
      }
    });
  }

  private guarded(what: string, key: ObjectKey, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      // Each write follows its read in the same turn, so never a conflict: a storage failure.
      this.ctx.log.warn(`garbage collector could not ${what}`, { resource: key.resource, namespace: key.namespace, name: key.name, err });
    }
  }

  /** Background propagation: dependents with no owner left are deleted; others lose the dangling reference. */
  private ownerGone(uid: string): void {
    for (const k of [...(this.dependents.get(uid) ?? [])]) {
      const key = decode(k);
      const dep = this.ctx.store.get(key);
      if (!dep) continue;
      // `uid` itself is no longer live (its owner is gone), so any live reference is another owner.
      const alive = ownerUids(dep).some((u) => this.live.has(u));
      if (alive) this.dropReference(key, uid);
      else this.guarded('delete a dependent', key, () => deleteObject(this.ctx.store, key, dep, false));
    }
  }

  private deleteDependents(uid: string): void {
    for (const k of [...(this.dependents.get(uid) ?? [])]) {
      const key = decode(k);
      const dep = this.ctx.store.get(key);
      if (dep && !dep.metadata.deletionTimestamp) this.guarded('delete a dependent', key, () => deleteObject(this.ctx.store, key, dep, false));
    }
  }

  private dropReference(key: ObjectKey, uid: string): void {
    const dep = this.ctx.store.get(key);
    if (!dep) return;
    const next = structuredClone(dep);
    // Stryker disable next-line ArrayDeclaration: an indexed dependent has ownerReferences (dropping the last one re-indexes it)
    next.metadata.ownerReferences = (dep.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
    if (!next.metadata.ownerReferences.length) delete next.metadata.ownerReferences;
    this.guarded('remove an owner reference', key, () => this.ctx.store.put(key, next, revisionOf(dep)));
  }

  /** Releases an owner deleted in the foreground once no dependent blocks it. */
  private checkForeground(key: ObjectKey): void {
    const owner = this.ctx.store.get(key);
    if (!owner?.metadata.deletionTimestamp || !owner.metadata.finalizers?.includes(FOREGROUND_DELETION)) return;
    const uid = uidOf(owner);
    const blocking = [...(this.dependents.get(uid) ?? [])].some((k) => {
      const dep = this.ctx.store.get(decode(k));
      return dep?.metadata.ownerReferences?.some((r) => r.uid === uid && r.blockOwnerDeletion === true);
    });
    if (blocking) return;
    const next = structuredClone(owner);
    next.metadata.finalizers = owner.metadata.finalizers.filter((f) => f !== FOREGROUND_DELETION);
    if (!next.metadata.finalizers.length) delete next.metadata.finalizers;
    this.guarded('finish a foreground deletion', key, () => {
      const stored = this.ctx.store.put(key, next, revisionOf(owner));
      if (isReleased(stored)) this.ctx.store.delete(key, revisionOf(stored));
    });
  }
}
