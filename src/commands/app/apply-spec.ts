import { CLI_MANAGER, FAILED_RUNNING_REASONS, RETRY_ANNOTATION, RUNNING, type AppObject } from '../../engine/kube/app.js';
import { findCondition } from '../../engine/kube/conditions.js';
import { ExitCode, RddError } from '../../engine/base/errors.js';
import { ApiError, isConflict, type KubeClient } from '../../engine/kube/client.js';
import { APP, APP_NAME, apiVersionOf, objectPath, collectionPath } from '../../engine/kube/resources.js';

export type ApplyOutcome = { kind: 'applied'; app: AppObject; created: boolean } | { kind: 'nothing-to-stop' };

/** The server refused the values (schema, strict decoding or admission): exit 3 with its own message, as the CLI's exit codes promise. */
function rejected(err: unknown): never {
  if (err instanceof ApiError && (err.status === 400 || err.status === 422)) {
    throw new RddError(err.body?.message ?? err.message, { exitCode: ExitCode.Rejected, cause: err });
  }
  throw err;
}

/**
 * Asking for running=true again while the engine failed for good (StartFailed,
 * or Crashed after the driver gave up) retries it: the annotation tells the App
 * controller, which removes it when it acts on it.
 */
function retryRequest(existing: AppObject | undefined, spec: Record<string, unknown>): AppObject['metadata'] | undefined {
  const running = findCondition(existing?.status?.conditions, RUNNING);
  if (spec.running !== true || !running || !FAILED_RUNNING_REASONS.includes(running.reason)) return undefined;
  return { annotations: { [RETRY_ANNOTATION]: new Date().toISOString() } };
}

/**
 * Creates the App with `spec` (the server fills in the defaults) or
 * merge-patches it; a missing App is left missing when `createMissing` is false
 * (`rdd stop`), and created for any other change, `running=false` included. Writes use fieldValidation=Strict, and dryRun=All when
 * asked, so a rejected or dry-run request persists nothing.
 */
export async function applyAppSpec(client: KubeClient, spec: Record<string, unknown>, opts: { dryRun: boolean; createMissing?: boolean }): Promise<ApplyOutcome> {
  const query = { fieldValidation: 'Strict', fieldManager: CLI_MANAGER, dryRun: opts.dryRun ? 'All' : undefined };
  const existing = await client.find<AppObject>(APP, APP_NAME);
  if (!existing) {
    if (opts.createMissing === false) return { kind: 'nothing-to-stop' };
    try {
      const app = await client.request<AppObject>('POST', collectionPath(APP), {
        query,
        body: { apiVersion: apiVersionOf(APP), kind: APP.kind, metadata: { name: APP_NAME }, spec },
      });
      return { kind: 'applied', app, created: true };
    } catch (err) {
      // Someone else created it meanwhile: patch theirs.
      if (!isConflict(err)) rejected(err);
    }
  } else if (existing.metadata.deletionTimestamp) {
    throw new RddError(`App "${APP_NAME}" is being deleted; wait until it is gone, then try again`);
  }
  try {
    const app = await client.request<AppObject>('PATCH', objectPath(APP, APP_NAME), {
      query,
      body: { metadata: retryRequest(existing, spec), spec },
      contentType: 'application/merge-patch+json',
    });
    return { kind: 'applied', app, created: false };
  } catch (err) {
    rejected(err);
  }
}
