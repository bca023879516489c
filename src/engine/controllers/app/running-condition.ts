import { RUNNING, RunningReason } from '../../kube/app.js';
import type { ConditionInput } from '../../kube/conditions.js';
import type { Condition } from '../../kube/types.js';

/** Running reasons that hold until the user asks again (a new generation, or `rdd set running=true`). */
export const FAILED_REASONS: readonly string[] = [RunningReason.StartFailed, RunningReason.Crashed, RunningReason.StopFailed];

export function runningCondition(status: Condition['status'], reason: string, message: string, generation: number): ConditionInput {
  return { type: RUNNING, status, reason, message, observedGeneration: generation };
}

/** The App's conditions as they will be once `next` is written. */
export function withCondition(conditions: readonly Condition[] | undefined, next: ConditionInput): Condition[] {
  const rest = (conditions ?? []).filter((c) => c.type !== next.type);
  return [...rest, { ...next, lastTransitionTime: '' }];
}
