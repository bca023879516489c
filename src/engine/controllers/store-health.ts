import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import type { InstancePaths } from '../base/paths.js';
import { CLI_MANAGER, STORE_HEALTHY, type AppObject } from '../kube/app.js';
import type { ConditionInput } from '../kube/conditions.js';
import { applyAppConditions } from './app-conditions.js';
import type { KubeClient } from '../kube/client.js';
import type { Informer } from '../kube/informer.js';
import { APP, APP_NAME, apiVersionOf } from '../kube/resources.js';
import type { Controller } from './controller.js';

/** The App's spec is the one thing in the store the engine cannot rebuild: a copy lives next to the store. */
export function appBackupFile(paths: Pick<InstancePaths, 'database'>): string {
  return path.join(path.dirname(paths.database), 'rdd.app-backup.json');
}

/** Field manager of the StoreHealthy condition. */
export const STORE_HEALTH_MANAGER = 'rdd-store-health';

export interface StoreHealthDeps {
  client: KubeClient;
  paths: Pick<InstancePaths, 'database'>;
  log: Logger;
  app: Informer<AppObject>;
  health: StoreHealthSource;
}

/** The form of `GET /healthz/store` (the API server's StoreHealthReport). */
interface StoreProblem {
  reason: string;
  message: string;
  since: string;
  until?: string;
  refused: number;
}
export interface StoreHealthAnswer {
  healthy: boolean;
  problem?: StoreProblem;
  lastProblem?: StoreProblem;
}

/** The API server's store health, in-process: what `/healthz/store` answers, and word when a problem starts or ends. */
export interface StoreHealthSource {
  report(): StoreHealthAnswer;
  onChange(listener: () => void): () => void;
}

/**
 * While a problem goes on, how soon the condition is written again: each write shows the refused
 * count so far, and while writes fail for space, the first one that lands ends the problem.
 * Damage lasts until a restart, so its count is refreshed less often.
 */
const RECHECK_MS = 1_000;
const DAMAGED_RECHECK_MS = 5_000;
/** After a condition write that failed (the store refused it, or the App is gone meanwhile). */
const RETRY_MS = 5_000;

/** A problem that the next successful write ends; damage lasts until a restart. */
const PASSING_REASONS = ['DiskFull', 'IOError'];

function storeCondition(health: StoreHealthAnswer, generation: number | undefined): ConditionInput {
  const base = { type: STORE_HEALTHY, observedGeneration: generation };
  const { problem, lastProblem } = health;
  if (problem) {
    return { ...base, status: 'False', reason: problem.reason, message: `since ${problem.since}, ${problem.refused} request(s) refused: ${problem.message}` };
  }
  if (lastProblem) {
    const what = `from ${lastProblem.since} to ${lastProblem.until}, ${lastProblem.refused} request(s) were refused (${lastProblem.reason}): ${lastProblem.message}`;
    return { ...base, status: 'True', reason: 'Recovered', message: `writes to the object store succeed again; ${what}` };
  }
  return { ...base, status: 'True', reason: 'Healthy', message: 'writes to the object store succeed' };
}

/** The part of the App worth keeping: what the user asked for. */
function backupOf(app: AppObject): AppObject {
  return { apiVersion: apiVersionOf(APP), kind: APP.kind, metadata: { name: APP_NAME }, spec: app.spec ?? {} };
}

/**
 * Shows the store's health on the App (StoreHealthy, as /healthz/store reports it): written when
 * the daemon starts, when the App changes (a new generation, a new App) and when a store problem
 * starts or ends; no timer runs while the store is healthy. It also keeps `rdd.app-backup.json`
 * equal to the App's spec, and brings the App back from it when the daemon starts on a new store
 * (the damaged one was moved aside; docs/control-plane.md#damaged-store). A deleted App takes its
 * backup with it, so a deletion is never undone.
 */
export function createStoreHealthController(deps: StoreHealthDeps): Controller {
  const log = deps.log.child('store-health');
  const file = appBackupFile(deps.paths);
  let saved: string | undefined;
  let unsubscribe = () => {};
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  // The condition write is itself a write: while the disk is full it is refused
  // like the others, and the first one that lands after space is freed ends
  // the problem, which notifies again and writes Recovered.
  const write = async (): Promise<number | undefined> => {
    const health = deps.health.report();
    const app = deps.app.get(APP_NAME);
    if (app) await applyAppConditions(deps.client, STORE_HEALTH_MANAGER, [storeCondition(health, app.metadata.generation)], log, app);
    if (!health.problem) return undefined;
    return PASSING_REASONS.includes(health.problem.reason) ? RECHECK_MS : DAMAGED_RECHECK_MS;
  };

  /** One write at a time; a request meanwhile writes once more after it. */
  const update = (): void => {
    if (stopped) return;
    if (writing) {
      again = true;
      return;
    }
    clearTimeout(timer);
    timer = undefined;
    writing = write()
      .catch((err: unknown) => {
        log.debug('store health not written; trying again', { error: err });
        return RETRY_MS;
      })
      .then((recheckMs) => {
        writing = undefined;
        if (again) {
          again = false;
          update();
        } else if (recheckMs !== undefined && !stopped) {
          timer = setTimeout(update, recheckMs);
          timer.unref();
        }
      });
  };

  const save = (app: AppObject) => {
    const text = JSON.stringify(backupOf(app), null, 2) + '\n';
    if (text === saved) return;
    // Written whole then renamed, so a crash or a full disk never leaves half a backup (nor a draft).
    const draft = `${file}.tmp`;
    try {
      writeFileSync(draft, text, { mode: 0o600 });
      renameSync(draft, file);
      saved = text;
    } catch (err) {
      rmSync(draft, { force: true });
      log.warn('could not save the backup of the App spec; the next change of the App tries again', { file, error: err });
    }
  };

  const forget = () => {
    rmSync(file, { force: true });
    saved = undefined;
  };

  // A backup that cannot be used must not keep the daemon from starting: the user can still `rdd set` the App.
  const restore = async () => {
    try {
      if (!existsSync(file) || (await deps.client.find<AppObject>(APP, APP_NAME))) return;
      const backup = JSON.parse(readFileSync(file, 'utf8')) as AppObject;
      await deps.client.create(APP, backupOf(backup), { fieldManager: CLI_MANAGER });
      log.warn('the store had no App: restored its spec from the backup', { file, spec: backup.spec });
    } catch (err) {
      log.error(`could not restore the App from ${file}; set it again with \`rdd set\``, { error: errorMessage(err) });
    }
  };

  return {
    name: 'store-health',
    async start() {
      await restore();
      const unsubscribeApp = deps.app.on((type, app) => {
        if (type === 'DELETED' || app.metadata.deletionTimestamp) forget();
        else save(app);
        // A no-op unless the App is new or has a new generation (applyAppConditions skips unchanged conditions).
        if (type !== 'DELETED') update();
      });
      const unsubscribeHealth = deps.health.onChange(update);
      unsubscribe = () => {
        unsubscribeApp();
        unsubscribeHealth();
      };
      const current = deps.app.get(APP_NAME);
      if (current && !current.metadata.deletionTimestamp) save(current);
      update();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      unsubscribe();
      await writing;
    },
  };
}
