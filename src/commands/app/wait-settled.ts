import { RddError, TimeoutError } from '../../engine/base/errors.js';
import type { Logger } from '../../engine/base/log.js';
import { appInformer, FAILED_RUNNING_REASONS, FIRST_START_PREFIX, RETRY_ANNOTATION, RUNNING, RunningReason, SETTLED, type AppObject } from '../../engine/kube/app.js';
import type { KubeClient } from '../../engine/kube/client.js';
import { findCondition } from '../../engine/kube/conditions.js';
import { APP_NAME } from '../../engine/kube/resources.js';

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
  /**
   * While a driver creates its VM for the first time and keeps reporting steps,
   * the deadline moves on: each new step gives `idleMs` more, up to `maxMs` after
   * the wait began. For the default --timeout only; one the user chose holds.
   */
  firstStart?: { idleMs: number; maxMs: number };
}

type Verdict = { done: true; message: string } | { done: false; waitingFor: string; firstStart?: boolean };

/**
 * Where the App stands relative to the generation we wait for; throws on a
 * failure that no retry will change at that generation (StartFailed, Crashed).
 * A failure written before a retry we asked for (the annotation is still
 * there) is not the outcome yet.
 */
export function judge(app: AppObject | undefined, generation: number, logDir: string): Verdict {
  if (!app) throw new RddError(`App "${APP_NAME}" was deleted while waiting for it to settle`);
  const running = findCondition(app.status?.conditions, RUNNING);
  const retryPending = app.metadata.annotations?.[RETRY_ANNOTATION] !== undefined;
  if (running && running.observedGeneration === generation && FAILED_RUNNING_REASONS.includes(running.reason) && !retryPending) {
    throw new RddError(`App "${APP_NAME}": Running is False/${running.reason}: ${running.message}`, {
      suggestion: `fix the cause, then run \`rdd set running=true\` again to retry; logs are in ${logDir}`,
    });
  }
  const settled = findCondition(app.status?.conditions, SETTLED);
  const current = settled?.observedGeneration !== undefined && settled.observedGeneration >= generation;
  if (settled && current && settled.status === 'True' && !retryPending) return { done: true, message: settled.message };
  if (!settled || !current) return { done: false, waitingFor: `waiting for the App controller to observe generation ${generation}` };
  const firstStart = running?.reason === RunningReason.Starting && running.message.startsWith(FIRST_START_PREFIX);
  return { done: false, waitingFor: settled.message, ...(firstStart ? { firstStart } : {}) };
}

/** Watches the App (no polling) until Settled=True at `generation`, a failure, or the deadline. */
export async function waitForSettled(client: KubeClient, opts: WaitSettledOptions): Promise<string> {
  const informer = appInformer(client, opts.log);
  const began = Date.now();
  let last: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let deadline = opts.deadline;
  const outcome = new Promise<string>((resolve, reject) => {
    const arm = () => {
      clearTimeout(timer);
      if (deadline === undefined) return;
      timer = setTimeout(() => {
        const status = last ? ` (last: ${last})` : '';
        reject(new TimeoutError(`timed out after ${opts.timeoutText} waiting for App "${APP_NAME}" to settle at generation ${opts.generation}${status}`));
      }, Math.max(0, deadline - Date.now()));
    };
    arm();
    informer.on((type, app) => {
      try {
        const verdict = judge(type === 'DELETED' ? undefined : app, opts.generation, opts.logDir);
        if (verdict.done) resolve(verdict.message);
        else if (verdict.waitingFor !== last) {
          last = verdict.waitingFor;
          opts.onProgress(last);
          if (verdict.firstStart && opts.firstStart && deadline !== undefined) {
            deadline = Math.max(deadline, Math.min(Date.now() + opts.firstStart.idleMs, began + opts.firstStart.maxMs));
            arm();
          }
        }
      } catch (err) {
        reject(err);
      }
    });
  });
  try {
    await Promise.race([informer.start(), outcome]);
    // The first list had no App: it was deleted between our write and our watch.
    if (informer.list().length === 0) judge(undefined, opts.generation, opts.logDir);
    return await outcome;
  } finally {
    clearTimeout(timer);
    await informer.stop();
  }
}
