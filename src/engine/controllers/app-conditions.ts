import { nextCondition, type ConditionInput } from '../kube/conditions.js';
import type { KubeClient } from '../kube/client.js';
import { APP, APP_NAME, apiVersionOf } from '../kube/resources.js';
import type { AppObject } from '../kube/app.js';
import type { Logger } from '../base/log.js';

/**
 * Writes this manager's conditions with server-side apply on the status
 * subresource. `conditions` is a map-list keyed by type, so concurrent
 * writers that own different types merge instead of racing: no
 * resourceVersion is sent, so no 409 can surface
 * (docs/design-rules.md#status-writers-never-conflict). A failed write is logged and rethrown
 * so the caller's reconcile retries it (docs/design-rules.md#condition-writes-never-swallowed).
 */
export async function applyAppConditions(
  client: KubeClient,
  manager: string,
  conditions: ConditionInput[],
  log: Logger,
  current?: AppObject,
): Promise<void> {
  try {
    const app = current ?? (await client.find<AppObject>(APP, APP_NAME));
    if (!app) return;
    const existing = app.status?.conditions;
    const unchanged = conditions.every((c) => {
      const prev = existing?.find((e) => e.type === c.type);
      return (
        prev &&
        prev.status === c.status &&
        prev.reason === c.reason &&
        prev.message === c.message &&
        prev.observedGeneration === c.observedGeneration
      );
    });
    if (unchanged) return;
    await client.patch(
      APP,
      APP_NAME,
      {
        apiVersion: apiVersionOf(APP),
        kind: APP.kind,
        metadata: { name: APP_NAME },
        status: { conditions: conditions.map((c) => nextCondition(existing, c)) },
      },
      { type: 'apply', subresource: 'status', fieldManager: manager, force: true },
    );
  } catch (err) {
    log.error(`failed to write App conditions ${conditions.map((c) => `${c.type}=${c.status}/${c.reason}`).join(', ')}`, {
      manager,
      error: err,
    });
    throw err;
  }
}
