import type { Condition } from './types.js';

export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

/**
 * The condition to write: lastTransitionTime moves only when the status flips,
 * as metav1 conditions require.
 */
export function nextCondition(existing: readonly Condition[] | undefined, next: ConditionInput, now: Date = new Date()): Condition {
  const previous = existing?.find((c) => c.type === next.type);
  const lastTransitionTime =
    previous && previous.status === next.status ? previous.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { ...next, lastTransitionTime };
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** True when `type` is present, has `status`, and was observed at `generation`. */
export function conditionHolds(
  conditions: readonly Condition[] | undefined,
  type: string,
  status: Condition['status'],
  generation: number,
): boolean {
  const c = findCondition(conditions, type);
  return c !== undefined && c.status === status && c.observedGeneration === generation;
}
