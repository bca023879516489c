import { findCondition } from '../kube/conditions.js';
import type { InformerEventType } from '../kube/informer.js';
import type { Condition, KubeObject } from '../kube/types.js';

/**
 * Decides whether an informer event is new input for its key: new input runs the key now and
 * forgets its failures (`WorkQueue.retry`); anything else only nudges it (`WorkQueue.add`), so a
 * failing key's own status writes, coming back as events, wait out its backoff.
 * controller-runtime calls these predicates (`WithEventFilter`).
 */
export type NewInputPredicate<T extends KubeObject = KubeObject> = (type: InformerEventType, obj: T, old?: T) => boolean;

type WithConditions = KubeObject & { status?: { conditions?: readonly Condition[] } };

export interface NewInputRule {
  /** Annotations through which a user asks for something without a spec change (a retry, an action). */
  requestAnnotations?: readonly string[];
  /** Conditions of other controllers whose status is a verdict this controller acts on. */
  conditions?: readonly string[];
}

/**
 * The one rule of "is this new input?": the object is new (or first seen), deleted, has a new
 * generation (its spec changed), began its deletion, or a request annotation the rule names
 * changed; with `conditions`, also when one of those conditions changes status. Anything else —
 * status writes, our own metadata patches — is not.
 */
export function newInput<T extends WithConditions>(rule: NewInputRule = {}): NewInputPredicate<T> {
  return (type, obj, old) => {
    if (type !== 'MODIFIED' || !old) return true;
    const { metadata: now } = obj;
    const { metadata: was } = old;
    return (
      was.generation !== now.generation ||
      was.deletionTimestamp !== now.deletionTimestamp ||
      (rule.requestAnnotations ?? []).some((a) => was.annotations?.[a] !== now.annotations?.[a]) ||
      (rule.conditions ?? []).some((c) => findCondition(old.status?.conditions, c)?.status !== findCondition(obj.status?.conditions, c)?.status)
    );
  };
}
