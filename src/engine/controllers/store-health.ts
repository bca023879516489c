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
import type { Controller, ReconcileResult } from './controller.js';
import { newInput } from './predicates.js';
import { QueueController } from './queue-controller.js';

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

/** Store health has one piece of work: the StoreHealthy condition. */
type StoreWork = 'store';
const WORK: StoreWork = 'store';

/**
 * Shows the store's health on the App (StoreHealthy, as /healthz/store reports it): written when
 * the daemon starts, when the App changes (a new generation, a new App) and when a store problem
 * starts or ends; while a problem lasts it is written again now and then, and no timer runs while
 * the store is healthy.
 *
 * It also keeps `rdd.app-backup.json` equal to the App's spec, and brings the App back from it
 * when the daemon starts on a new store (the damaged one was moved aside;
 * docs/control-plane.md#damaged-store). A deleted App takes its backup with it, so a deletion is
 * never undone.
 */
class StoreHealthController extends QueueController<StoreWork> {
  private readonly file: string;
  private saved?: string;

  constructor(private readonly deps: StoreHealthDeps) {
    // A condition write that failed (the store refused it, or the App is gone meanwhile) is tried again after RETRY_MS.
    super('store-health', { ...deps, backoff: () => RETRY_MS }, { idOf: String });
    this.file = appBackupFile(deps.paths);
    this.watch(this.app, { keysOf: (type) => (type === 'DELETED' ? [] : [WORK]), isNewInput: newInput() });
    let unsubscribe = () => {};
    this.addSource({
      start: async () => {
        unsubscribe = deps.health.onChange(() => this.queue.retry(WORK));
      },
      stop: async () => unsubscribe(),
    });
  }

  override async start(): Promise<void> {
    await this.restore();
    this.app.on((type, app) => {
      if (type === 'DELETED' || app.metadata.deletionTimestamp) this.forget();
      else this.save(app);
    });
    await super.start();
  }

  protected override started(): void {
    // The shared App informer may have reported the App before this controller listened.
    const current = this.app.get();
    if (current && !current.metadata.deletionTimestamp) this.save(current);
    this.queue.add(WORK);
  }

  /**
   * The condition write is itself a write: while the disk is full it is refused like the others,
   * and the first one that lands after space is freed ends the problem, which notifies again and
   * writes Recovered.
   */
  protected async reconcile(): Promise<ReconcileResult | void> {
    const health = this.deps.health.report();
    const app = this.app.get();
    if (app) await applyAppConditions(this.deps.client, STORE_HEALTH_MANAGER, [storeCondition(health, app.metadata.generation)], this.log, app);
    if (!health.problem) return;
    return { requeueAfterMs: PASSING_REASONS.includes(health.problem.reason) ? RECHECK_MS : DAMAGED_RECHECK_MS };
  }

  private save(app: AppObject): void {
    const text = JSON.stringify(backupOf(app), null, 2) + '\n';
    if (text === this.saved) return;
    // Written whole then renamed, so a crash or a full disk never leaves half a backup (nor a draft).
    const draft = `${this.file}.tmp`;
    try {
      writeFileSync(draft, text, { mode: 0o600 });
      renameSync(draft, this.file);
      this.saved = text;
    } catch (err) {
      rmSync(draft, { force: true });
      this.log.warn('could not save the backup of the App spec; the next change of the App tries again', { file: this.file, error: err });
    }
  }

  private forget(): void {
    rmSync(this.file, { force: true });
    this.saved = undefined;
  }

  /** A backup that cannot be used must not keep the daemon from starting: the user can still `rdd set` the App. */
  private async restore(): Promise<void> {
    try {
      if (!existsSync(this.file) || (await this.deps.client.find<AppObject>(APP, APP_NAME))) return;
      const backup = JSON.parse(readFileSync(this.file, 'utf8')) as AppObject;
      await this.deps.client.create(APP, backupOf(backup), { fieldManager: CLI_MANAGER });
      this.log.warn('the store had no App: restored its spec from the backup', { file: this.file, spec: backup.spec });
    } catch (err) {
      this.log.error(`could not restore the App from ${this.file}; set it again with \`rdd set\``, { error: errorMessage(err) });
    }
  }
}

export function createStoreHealthController(deps: StoreHealthDeps): Controller {
  return new StoreHealthController(deps);
}
