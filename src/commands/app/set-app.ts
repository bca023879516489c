import { existsSync } from 'node:fs';
import type { KubeClient } from '../../engine/kube/client.js';
import { APP_NAME } from '../../engine/kube/resources.js';
import type { Logger, LogSettings } from '../../engine/base/log.js';
import type { Progress } from '../../engine/base/progress.js';
import type { InstancePaths } from '../../engine/base/paths.js';
import { formatDuration } from '../../engine/base/duration.js';
import { ensureServiceRunning, isServiceRunning } from '../../engine/service/lifecycle.js';
import { loadAppSpecSchema } from './app-schema.js';
import { bundledAppSpecSchema } from './bundled-schema.js';
import { applyAppSpec } from './apply-spec.js';
import { parseAssignments } from './properties.js';
import { waitForSettled, type WaitSettledOptions } from './wait-settled.js';

export interface SetOptions {
  dryRun: boolean;
  wait: boolean;
  /** 0 waits forever. */
  timeoutMs: number;
  /** The --timeout text as given, for messages. */
  timeoutText?: string;
  /** Let a first VM create that keeps reporting progress run past the deadline (see waitForSettled). */
  firstStart?: WaitSettledOptions['firstStart'];
  /** Create the App (with defaults) when it is missing; default true. `rdd stop` keeps a missing App missing. */
  createMissing?: boolean;
}

export interface SetContext {
  paths: InstancePaths;
  log: Logger;
  /** The daemon's log level and format as given by flag or env, for a daemon this command starts. */
  requestedLog?: LogSettings;
  progress: Progress;
}

/** How long the service may take to come up when `--timeout` is 0 (forever) or longer. */
const SERVICE_START_MS = 90_000;

async function connect(ctx: SetContext, deadline: number | undefined): Promise<KubeClient> {
  const remaining = deadline === undefined ? SERVICE_START_MS : Math.max(1, deadline - Date.now());
  await ensureServiceRunning(ctx.paths, ctx.log, {
    timeoutMs: Math.min(remaining, SERVICE_START_MS),
    progress: ctx.progress,
    logging: ctx.requestedLog,
  });
  const [{ KubeClient }, { skewWarningFor }] = await Promise.all([import('../../engine/kube/client.js'), import('../program/version-skew.js')]);
  const client = KubeClient.fromFile(ctx.paths.kubeconfig);
  const warning = await skewWarningFor(client, ctx.paths.instance);
  if (warning) ctx.progress.info(`rdd: ${warning}`);
  return client;
}

/**
 * `rdd set PROP=VALUE...`: validates the properties against the App CRD the
 * server serves, creates or patches the App, then waits for Settled=True at
 * the generation the patch produced. `assignments` may be a ready-made spec
 * patch (`rdd start` / `stop`).
 */
export async function setApp(ctx: SetContext, assignments: readonly string[] | Record<string, unknown>, opts: SetOptions): Promise<void> {
  const deadline = opts.timeoutMs === 0 ? undefined : Date.now() + opts.timeoutMs;
  const createMissing = opts.createMissing ?? true;
  if (!createMissing && !(await isServiceRunning(ctx.paths)) && !existsSync(ctx.paths.kubeconfig)) {
    ctx.progress.succeed(`instance ${ctx.paths.instance} has no service; nothing to stop`);
    return;
  }
  // Bad property names and mistyped values fail here, before the service is created or started.
  if (Array.isArray(assignments)) parseAssignments(assignments, bundledAppSpecSchema());
  const client = await connect(ctx, deadline);
  const spec = Array.isArray(assignments) ? parseAssignments(assignments, await loadAppSpecSchema(client)) : (assignments as Record<string, unknown>);
  const outcome = await applyAppSpec(client, spec, { dryRun: opts.dryRun, createMissing });
  if (outcome.kind === 'nothing-to-stop') {
    ctx.progress.succeed(`App "${APP_NAME}" does not exist; nothing to stop`);
    return;
  }
  const generation = outcome.app.metadata.generation ?? 0;
  const verb = outcome.created ? 'created' : 'patched';
  if (opts.dryRun) {
    ctx.progress.succeed(`App "${APP_NAME}" would be ${verb} (dry run): ${JSON.stringify(outcome.app.spec)}`);
    return;
  }
  if (!opts.wait) {
    ctx.progress.succeed(`App "${APP_NAME}" ${verb} (generation ${generation})`);
    return;
  }
  const timeoutText = opts.timeoutText ?? formatDuration(opts.timeoutMs);
  ctx.progress.update(`App "${APP_NAME}" ${verb}; waiting for it to settle at generation ${generation}`);
  try {
    const message = await waitForSettled(client, {
      generation,
      deadline,
      timeoutText,
      logDir: ctx.paths.logDir,
      log: ctx.log,
      onProgress: (text) => ctx.progress.update(text),
      firstStart: opts.firstStart,
    });
    ctx.progress.succeed(`App "${APP_NAME}" settled: ${message}`);
  } catch (err) {
    ctx.progress.stop();
    throw err;
  }
}
