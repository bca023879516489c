import type { KubeClient } from '../../kube/client.js';
import { nextCondition } from '../../kube/conditions.js';
import type { ResourceRef } from '../../kube/resources.js';
import { COMPLETE, FAILED, REQUEST_CONTROLLER_MANAGER, type RequestObject, type RequestResult } from './kinds.js';

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Merges `status` into the request's status subresource. */
export async function patchRequestStatus(client: KubeClient, ref: ResourceRef, obj: RequestObject, status: Record<string, unknown>): Promise<void> {
  await client.patch(ref, obj.metadata.name!, { status }, {
    type: 'merge',
    subresource: 'status',
    namespace: obj.metadata.namespace,
    fieldManager: REQUEST_CONTROLLER_MANAGER,
  });
}

export interface Finish {
  type: typeof COMPLETE | typeof FAILED;
  reason: string;
  message: string;
  result?: RequestResult;
}

/** Ends the request: its Complete or Failed condition, phase, completionTime and result. */
export async function finishRequest(client: KubeClient, ref: ResourceRef, obj: RequestObject, finish: Finish): Promise<void> {
  const condition = nextCondition(obj.status?.conditions, {
    type: finish.type,
    status: 'True',
    reason: finish.reason,
    message: finish.message,
    observedGeneration: obj.metadata.generation,
  });
  await patchRequestStatus(client, ref, obj, {
    phase: finish.type,
    conditions: [condition],
    completionTime: now(),
    ...(finish.result ? { result: finish.result } : {}),
  });
}
