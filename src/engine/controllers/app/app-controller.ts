import { AppSource } from '../app-source.js';
import { errorMessage, isTerminal, TerminalError } from '../../base/errors.js';
import type { BackoffFn } from '../../base/backoff.js';
import type { Logger } from '../../base/log.js';
import {
  APP_CONTROLLER_MANAGER,
  computeSettled,
  RETRY_ANNOTATION,
  RUNNING,
  RunningReason,
  type AppObject,
} from '../../kube/app.js';
import { findCondition, type ConditionInput } from '../../kube/conditions.js';
import { EventRecorder } from '../../kube/events.js';
import type { Informer, InformerEventType } from '../../kube/informer.js';
import { APP, APP_NAME } from '../../kube/resources.js';
import type { Condition } from '../../kube/types.js';
import type { DriverContext, EngineSettings, VmDriver } from '../../vm/driver.js';
import { createDriver, preloadDriver, type DriverChoice } from '../../vm/select-driver.js';
import { applyAppConditions } from '../app-conditions.js';
import type { Controller, ControllerDeps } from '../controller.js';
import { WorkQueue } from '../work-queue.js';
import { syncDockerContext, type DockerContextTarget } from './docker-context.js';
import { contextName, dockerConfigDir } from '../../base/docker-context-store.js';
import { startProgressReporter } from './start-progress.js';

/** Holds App deletion until the engine and its VM are removed. */
export const APP_FINALIZER = 'app.rancherdesktop.io/engine';

export type DriverFactory = (choice: DriverChoice, ctx: DriverContext) => Promise<VmDriver>;

export interface AppControllerOptions {
  createDriver?: DriverFactory;
  /** Docker CLI config dir for the instance's context; defaults to $DOCKER_CONFIG or ~/.docker. */
  dockerConfigDir?: string;
  /** Environment used to judge whether the user's default Docker context works (DOCKER_HOST). */
  env?: NodeJS.ProcessEnv;
  backoff?: BackoffFn;
}

export interface AppControllerDeps extends ControllerDeps {
  /** The daemon's shared App informer; a controller without one watches the App itself. */
  app?: Informer<AppObject>;
}

interface ActiveDriver {
  choice: DriverChoice;
  driver: VmDriver;
  unsubscribe: () => void;
}

/** The App controller has one piece of work: the App singleton. */
type AppWork = 'app';
const WORK: AppWork = 'app';

function runningCondition(status: Condition['status'], reason: string, message: string, generation: number): ConditionInput {
  return { type: RUNNING, status, reason, message, observedGeneration: generation };
}

function settingsOf(app: AppObject): EngineSettings {
  const vm = app.spec?.vm;
  return { engine: app.spec?.containerEngine?.name ?? 'moby', cpus: vm?.cpus, memory: vm?.memory, rosetta: vm?.rosetta, mounts: vm?.mounts };
}

/** The App's conditions as they will be once `running` is written. */
function withCondition(conditions: readonly Condition[] | undefined, next: ConditionInput): Condition[] {
  const rest = (conditions ?? []).filter((c) => c.type !== next.type);
  return [...rest, { ...next, lastTransitionTime: '' }];
}

/** What makes a pending backoff or a parked failure moot: the user asked for something new. */
function appInput(type: InformerEventType, app: AppObject): string {
  if (type === 'DELETED') return 'deleted';
  return JSON.stringify([app.metadata.generation, app.metadata.annotations?.[RETRY_ANNOTATION], app.metadata.deletionTimestamp]);
}

const FAILED_REASONS: readonly string[] = [RunningReason.StartFailed, RunningReason.Crashed, RunningReason.StopFailed];

/**
 * Drives the VM driver from the App's spec and reports Running and Settled.
 * Level-triggered: App changes (the engine controller's condition writes
 * too) and driver state changes enqueue the App; each reconcile decides from
 * what it re-reads — the App, its conditions and the driver's state — never
 * from what an earlier reconcile remembered.
 *
 * Failures: a TerminalError (a missing binary, a daemon.json the engine
 * rejects) is reported as Running=False/StartFailed and not retried until the
 * spec changes or the user asks again (`rdd set running=true`, which sets the
 * retry annotation); other failures say False/Starting with the cause and are
 * retried with backoff. A driver that gave up restarting a crashing engine is
 * False/Crashed and held the same way.
 */
export class AppController implements Controller {
  readonly name = 'app-controller';
  private readonly log: Logger;
  private readonly queue: WorkQueue<AppWork>;
  private readonly app: AppSource;
  private readonly context: DockerContextTarget;
  private readonly makeDriver: DriverFactory;
  private readonly preload?: (choice: DriverChoice) => Promise<void>;
  /** Aborts an in-flight driver.start() when the daemon shuts down. */
  private readonly workAbort = new AbortController();
  private active?: ActiveDriver;
  private appSeen?: string;
  private readonly events: EventRecorder;

  constructor(
    private readonly deps: AppControllerDeps,
    options: AppControllerOptions = {},
  ) {
    this.log = deps.log.child(this.name);
    this.events = new EventRecorder(deps.client, { component: `rdd-${this.name}`, onError: (err) => this.log.debug('cannot record an event', { error: err }) });
    this.makeDriver = options.createDriver ?? createDriver;
    this.preload = options.createDriver ? undefined : preloadDriver;
    this.context = {
      configDir: options.dockerConfigDir ?? dockerConfigDir(options.env),
      name: contextName(deps.paths.instance),
      socket: deps.paths.dockerSocket,
      env: options.env ?? process.env,
      log: this.log,
    };
    this.queue = new WorkQueue<AppWork>({ name: this.name, log: this.log, backoff: options.backoff, idOf: String, reconcile: () => this.reconcile() });
    this.app = new AppSource(deps.client, deps.app, this.log, options.backoff);
  }

  async start(): Promise<void> {
    this.app.on((type, app) => {
      const input = appInput(type, app);
      if (input === this.appSeen) return this.queue.add(WORK);
      this.appSeen = input;
      this.queue.retry(WORK);
    });
    await this.app.start();
    // Off the first start's critical path: the driver's modules load while `rdd set` is still writing the App.
    const choice = this.app.get()?.spec?.vm?.driver ?? 'auto';
    void this.preload?.(choice).catch((err: unknown) => this.log.debug('driver not preloaded', { error: err }));
    this.queue.add(WORK);
  }

  /** Stops the loops, stops the engine, releases the driver. */
  stop(): Promise<void> {
    return this.shutdown(true);
  }

  /**
   * Stops the loops and releases the driver but leaves the engine running, as
   * a daemon crash would; the next controller adopts the engine.
   */
  detach(): Promise<void> {
    return this.shutdown(false);
  }

  private async reconcile(): Promise<void> {
    const { client } = this.deps;
    const found = await client.find<AppObject>(APP, APP_NAME);
    if (!found) {
      // Gone without our finalizer (e.g. removed by force): an engine with no App must not keep running.
      if (this.active && isUp((await this.active.driver.state()).phase)) await this.active.driver.stop(this.workAbort.signal);
      await syncDockerContext(this.context, []);
      return;
    }
    if (found.metadata.deletionTimestamp) return this.finalize(found);
    let app = await this.ensureFinalizer(found);
    const retryRequested = app.metadata.annotations?.[RETRY_ANNOTATION] !== undefined;
    if (retryRequested) app = await this.acceptRetry(app);
    const running = await this.driveEngine(app, retryRequested);
    // The context first, so that whoever sees Settled=True also finds it.
    await syncDockerContext(this.context, withCondition(app.status?.conditions, running));
    await this.write(app, running);
  }

  /**
   * `rdd set running=true` asked again: a held failure is retried now. Running
   * leaves its failed reason before the annotation goes, so a waiting CLI never
   * mistakes the old failure for the outcome of its retry.
   */
  private async acceptRetry(app: AppObject): Promise<AppObject> {
    const running = findCondition(app.status?.conditions, RUNNING);
    const generation = app.metadata.generation ?? 0;
    if (app.spec?.running && running && FAILED_REASONS.includes(running.reason)) {
      this.log.info(`retrying the engine at the user's request (was ${running.reason})`);
      await this.write(app, runningCondition('False', RunningReason.Starting, `retrying after ${running.reason}: ${running.message}`, generation));
    }
    return this.deps.client.patch<AppObject>(
      APP,
      APP_NAME,
      { metadata: { annotations: { [RETRY_ANNOTATION]: null } } },
      { type: 'merge', fieldManager: APP_CONTROLLER_MANAGER },
    );
  }

  /** Brings the engine to spec.running / spec.containerEngine.name; returns the Running condition to report. */
  private async driveEngine(app: AppObject, retryRequested: boolean): Promise<ConditionInput> {
    const generation = app.metadata.generation ?? 0;
    let d: ActiveDriver;
    try {
      d = await this.driverFor(app.spec?.vm?.driver ?? 'auto');
    } catch (err) {
      // No usable driver (e.g. limactl missing): nothing can run, and `rdd set` must hear why at once.
      if (!app.spec?.running) return runningCondition('False', RunningReason.Stopped, `engine stopped (${errorMessage(err)})`, generation);
      await this.write(app, runningCondition('False', RunningReason.StartFailed, errorMessage(err), generation));
      throw new TerminalError(`App "${APP_NAME}": no usable VM driver: ${errorMessage(err)}`, { cause: err });
    }
    const state = await d.driver.state();
    if (!app.spec?.running) {
      if (isUp(state.phase)) await this.stopEngine(app, d, generation);
      return runningCondition('False', RunningReason.Stopped, 'engine stopped', generation);
    }
    if (state.phase === 'crashed') {
      // The driver gave up restarting it. Hold that until the user asks again: a new generation, or the retry annotation.
      const previous = findCondition(app.status?.conditions, RUNNING);
      const newRequest = retryRequested || (previous?.reason === RunningReason.Crashed && previous.observedGeneration !== generation);
      if (!newRequest) return runningCondition('False', RunningReason.Crashed, state.message, generation);
    }
    if (state.phase === 'restarting') {
      // The driver restarts a dead engine with its own backoff and crash limit; starting it here would reset both.
      return runningCondition('False', RunningReason.Starting, state.message, generation);
    }
    return this.startEngine(app, d, state.phase === 'running' ? state.engine : undefined, generation);
  }

  private async startEngine(app: AppObject, d: ActiveDriver, runningEngine: string | undefined, generation: number): Promise<ConditionInput> {
    const settings = settingsOf(app);
    const switching = runningEngine !== undefined && runningEngine !== settings.engine;
    if (runningEngine !== settings.engine) {
      const why = switching
        ? `switching the engine from ${runningEngine} to ${settings.engine}`
        : `starting ${settings.engine} with the ${d.driver.name} driver`;
      await this.write(app, runningCondition('False', RunningReason.Starting, why, generation));
    }
    const progress = startProgressReporter((message) => this.write(app, runningCondition('False', RunningReason.Starting, message, generation)), this.log);
    try {
      if (switching) await d.driver.stop(this.workAbort.signal);
      // Idempotent on a running engine with these settings: that is how a running engine is adopted.
      await d.driver.start(settings, this.workAbort.signal, progress.report);
      await progress.settle();
    } catch (err) {
      await progress.settle();
      if (this.workAbort.signal.aborted) throw err;
      const message = errorMessage(err);
      if (isTerminal(err)) {
        await this.write(app, runningCondition('False', RunningReason.StartFailed, message, generation));
        throw new TerminalError(`App "${APP_NAME}": starting the engine failed: ${message}`, { cause: err });
      }
      await this.write(app, runningCondition('False', RunningReason.Starting, `start failed, retrying: ${message}`, generation));
      throw new Error(`App "${APP_NAME}": starting the engine failed: ${message}`, { cause: err });
    }
    return runningCondition('True', RunningReason.Started, `${settings.engine} is running (${d.driver.name} driver)`, generation);
  }

  private async stopEngine(app: AppObject, d: ActiveDriver, generation: number): Promise<void> {
    try {
      await d.driver.stop(this.workAbort.signal);
    } catch (err) {
      await this.write(app, runningCondition('False', RunningReason.StopFailed, errorMessage(err), generation));
      throw new Error(`App "${APP_NAME}": stopping the engine failed: ${errorMessage(err)}`, { cause: err });
    }
  }

  private async driverFor(choice: DriverChoice): Promise<ActiveDriver> {
    if (this.active?.choice === choice) return this.active;
    if (this.active) {
      this.log.info(`VM driver changes from ${this.active.choice} to ${choice}; stopping the engine of the old one`);
      await this.active.driver.stop(this.workAbort.signal);
      await this.releaseDriver();
    }
    const driver = await this.makeDriver(choice, { paths: this.deps.paths, log: this.log.child('driver') });
    const unsubscribe = driver.onStateChange((state) => {
      this.log.info(`engine state changed: ${state.phase}`, 'message' in state ? { message: state.message } : undefined);
      this.queue.add(WORK);
    });
    this.active = { choice, driver, unsubscribe };
    return this.active;
  }

  private async releaseDriver(): Promise<void> {
    const current = this.active;
    this.active = undefined;
    if (!current) return;
    current.unsubscribe();
    await current.driver.dispose();
  }

  /**
   * Writes Running and Settled for the generation `app` carries. The conditions are re-read first:
   * a reconcile that wrote Starting on the way must not compute lastTransitionTime from the App it
   * read before that write.
   */
  private async write(app: AppObject, running: ConditionInput): Promise<void> {
    const current = (await this.deps.client.find<AppObject>(APP, APP_NAME)) ?? app;
    if (findCondition(current.status?.conditions, RUNNING)?.reason !== running.reason) {
      this.events.record(current, FAILED_REASONS.includes(running.reason) ? 'Warning' : 'Normal', `Engine${running.reason}`, running.message ?? '');
    }
    const conditions = withCondition(current.status?.conditions, running);
    await applyAppConditions(this.deps.client, APP_CONTROLLER_MANAGER, [running, computeSettled(app, conditions)], this.log, current);
  }

  private async ensureFinalizer(app: AppObject): Promise<AppObject> {
    const finalizers = app.metadata.finalizers ?? [];
    if (finalizers.includes(APP_FINALIZER)) return app;
    return this.deps.client.patch<AppObject>(
      APP,
      APP_NAME,
      // No resourceVersion: only this controller sets the App's finalizers, and a
      // precondition would only turn concurrent status writes into 409 retries.
      { metadata: { finalizers: [...finalizers, APP_FINALIZER] } },
      { type: 'merge', fieldManager: APP_CONTROLLER_MANAGER },
    );
  }

  /** App deletion: remove the engine and its VM, then let the App go. */
  private async finalize(app: AppObject): Promise<void> {
    const finalizers = app.metadata.finalizers ?? [];
    if (!finalizers.includes(APP_FINALIZER)) return;
    this.log.info(`App "${APP_NAME}" is being deleted: removing the engine`);
    const d = await this.driverFor(app.spec?.vm?.driver ?? 'auto');
    await d.driver.remove(this.workAbort.signal);
    await this.releaseDriver();
    await syncDockerContext(this.context, []);
    await this.deps.client.patch(
      APP,
      APP_NAME,
      { metadata: { finalizers: finalizers.filter((f) => f !== APP_FINALIZER) } },
      { type: 'merge', fieldManager: APP_CONTROLLER_MANAGER },
    );
  }

  private async shutdown(stopTheEngine: boolean): Promise<void> {
    await this.app.stop();
    this.workAbort.abort();
    await this.queue.stop();
    if (stopTheEngine && this.active) {
      try {
        if (isUp((await this.active.driver.state()).phase)) {
          this.log.info('stopping the engine: the rdd service is shutting down');
          await this.active.driver.stop();
          await this.reportShutdown();
        }
        await syncDockerContext(this.context, []);
      } catch (err) {
        this.log.error('stopping the engine on shutdown failed', { error: err });
      }
    }
    await this.releaseDriver();
    await this.events.flush();
  }

  /** Best effort: the API server is about to close too. */
  private async reportShutdown(): Promise<void> {
    try {
      const app = await this.deps.client.find<AppObject>(APP, APP_NAME);
      if (app) {
        await this.write(app, runningCondition('False', RunningReason.Stopped, 'engine stopped because the rdd service shut down', app.metadata.generation ?? 0));
      }
    } catch (err) {
      this.log.warn('cannot report the engine stop on shutdown', { error: err });
    }
  }
}

/** Whether an engine (or the driver's attempt to keep one) exists that a stop must end. */
function isUp(phase: string): boolean {
  return phase === 'running' || phase === 'crashed' || phase === 'restarting';
}

export function createAppController(deps: AppControllerDeps, options: AppControllerOptions = {}): AppController {
  return new AppController(deps, options);
}
