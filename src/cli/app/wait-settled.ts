import type { AppObject } from '../../kube/app.js';
import { findCondition } from '../../kube/conditions.js';
import { FAILED_RUNNING_REASONS, RUNNING, RunningReason, SETTLED } from '../../kube/app.js';
import { RddError, TimeoutError } from '../../base/errors.js';
import type { KubeClient } from '../../kube/client.js';
import { APP_NAME } from '../../kube/resources.js';
import type { Logger } from '../../base/log.js';
import { watchApp } from '../../kube/watch-app.js';

export interface WaitSettledOptions {
  /** The generation our patch produced; only conditions observed at it (or later) count. */
  generation: number;
  /** Absolute deadline (ms since epoch); undefined waits forever. */
  deadline?: number;
  /** Said in the timeout message, e.g. "5m". */
  timeoutText: string;
  logDir: string;
  log: Logger;
  onProgress: (text: string) => void;
  /** How long a StartFailed may last before it is final (the controller retries with backoff). */
  failureGraceMs?: number;
}

/** The App controller retries a failed start after 1 s, 2 s, 4 s...: a transient failure (a busy host) heals within this. */
const FAILURE_GRACE_MS = 15_000;

/** `failed`: the start failed at our generation; final unless a retry succeeds soon. */
type Verdict = { done: true; message: string } | { done: false; waitingFor: string; failed?: RddError };

/**
 * Where the App stands relative to the generation we wait for; throws on a
 * final failure at that generation (Crashed: the driver gave up).
 */
export function judge(app: AppObject | undefined, generation: number, logDir: string): Verdict {
  if (!app) throw new RddError(`App "${APP_NAME}" was deleted while waiting for it to settle`);
  const running = findCondition(app.status?.conditions, RUNNING);
  if (running && running.observedGeneration === generation && FAILED_RUNNING_REASONS.includes(running.reason)) {
    const failed = new RddError(`App "${APP_NAME}": Running is False/${running.reason}: ${running.message}`, {
      suggestion: `see the logs in ${logDir}`,
    });
    if (running.reason !== RunningReason.StartFailed) throw failed;
    return { done: false, waitingFor: `Running False/StartFailed (retrying): ${firstLine(running.message)}`, failed };
  }
  const settled = findCondition(app.status?.conditions, SETTLED);
  const current = settled?.observedGeneration !== undefined && settled.observedGeneration >= generation;
  if (settled && current && settled.status === 'True') return { done: true, message: settled.message };
  if (!settled || !current) return { done: false, waitingFor: `waiting for the App controller to observe generation ${generation}` };
  return { done: false, waitingFor: settled.message };
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0];
}

/** Watches the App (no polling) until Settled=True at `generation`, a failure, or the deadline. */
export async function waitForSettled(client: KubeClient, opts: WaitSettledOptions): Promise<string> {
  const abort = new AbortController();
  let outcome: { message: string } | { error: unknown } | undefined;
  let last: string | undefined;
  let failure: RddError | undefined;
  let failureTimer: NodeJS.Timeout | undefined;
  let graceOver = false;
  const timer =
    opts.deadline === undefined
      ? undefined
      : setTimeout(() => {
          const status = last ? ` (last: ${last})` : '';
          outcome = { error: new TimeoutError(`timed out after ${opts.timeoutText} waiting for App "${APP_NAME}" to settle at generation ${opts.generation}${status}`) };
          abort.abort();
        }, Math.max(0, opts.deadline - Date.now()));
  try {
    await watchApp(client, {
      signal: abort.signal,
      log: opts.log,
      onChange(app) {
        if (outcome) return;
        try {
          const verdict = judge(app, opts.generation, opts.logDir);
          // A failed start is final if it still fails once the grace since the first failure is over.
          failure = verdict.done ? undefined : verdict.failed;
          if (failure && graceOver) throw failure;
          if (failure && !failureTimer) {
            failureTimer = setTimeout(() => {
              graceOver = true;
              if (!failure) return;
              outcome ??= { error: failure };
              abort.abort();
            }, opts.failureGraceMs ?? FAILURE_GRACE_MS);
          }
          if (verdict.done) {
            outcome = { message: verdict.message };
            abort.abort();
          } else if (verdict.waitingFor !== last) {
            last = verdict.waitingFor;
            opts.onProgress(last);
          }
        } catch (err) {
          outcome = { error: err };
          abort.abort();
        }
      },
    });
  } finally {
    clearTimeout(timer);
    clearTimeout(failureTimer);
  }
  if (!outcome) throw new Error('waiting for the App ended without an outcome');
  if ('error' in outcome) throw outcome.error;
  return outcome.message;
}
