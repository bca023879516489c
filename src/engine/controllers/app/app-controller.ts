import { errorMessage, isTerminal, TerminalError } from '../../base/errors.js';
import { APP_CONTROLLER_MANAGER, computeSettled, RETRY_ANNOTATION, RUNNING, RunningReason, type AppObject } from '../../kube/app.js';
import { findCondition, type ConditionInput } from '../../kube/conditions.js';
import { APP, APP_NAME } from '../../kube/resources.js';
import type { EngineSettings, VmDriver } from '../../vm/driver.js';
import { createDriver, preloadDriver, type DriverChoice } from '../../vm/select-driver.js';
import { applyAppConditions } from '../app-conditions.js';
import type { ControllerDeps } from '../controller.js';
import { newInput } from '../predicates.js';
import { QueueController, type QueueControllerDeps } from '../queue-controller.js';
import { syncDockerContext, type DockerContextTarget } from './docker-context.js';
import { contextName, dockerConfigDir } from '../../base/docker-context-store.js';
import { DriverSlot, isUp, type DriverFactory } from './driver-slot.js';
import { FAILED_REASONS, runningCondition, withCondition } from './running-condition.js';
import { startProgressReporter } from './start-progress.js';

/** Holds App deletion until the engine and its VM are removed. */
export const APP_FINALIZER = 'app.rancherdesktop.io/engine';

export interface AppControllerOptions {
  createDriver?: DriverFactory;
  /** Docker CLI config dir for the instance's context; defaults to $DOCKER_CONFIG or ~/.docker. */
  dockerConfigDir?: string;
  /** Environment used to judge whether the user's default Docker context works (DOCKER_HOST). */
  env?: NodeJS.ProcessEnv;
  backoff?: QueueControllerDeps['backoff'];
}

export type AppControllerDeps = ControllerDeps & Omit<QueueControllerDeps, 'backoff'>;

/** The App controller has one piece of work: the App singleton. */
type AppWork = 'app';
const WORK: AppWork = 'app';

function settingsOf(app: AppObject): EngineSettings {
  const vm = app.spec?.vm;
  return { engine: app.spec?.containerEngine?.name ?? 'moby', cpus: vm?.cpus, memory: vm?.memory, rosetta: vm?.rosetta, mounts: vm?.mounts };
}

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
export class AppController extends QueueController<AppWork> {
  private readonly context: DockerContextTarget;
  private readonly drivers: DriverSlot;
  private readonly preload?: (choice: DriverChoice) => Promise<void>;
  /** Aborts an in-flight driver.start() when the daemon shuts down. */
  private readonly workAbort = new AbortController();

  constructor(
    private readonly deps: AppControllerDeps,
    options: AppControllerOptions = {},
  ) {
    super('app-controller', { ...deps, backoff: options.backoff }, { idOf: String });
    this.watch(this.app, { keysOf: () => [WORK], isNewInput: newInput({ requestAnnotations: [RETRY_ANNOTATION] }) });
    this.drivers = new DriverSlot(options.createDriver ?? createDriver, { paths: deps.paths, log: this.log.child('driver') }, (state) => {
      this.log.info(`engine state changed: ${state.phase}`, 'message' in state ? { message: state.message } : undefined);
      this.queue.add(WORK);
    });
    this.preload = options.createDriver ? undefined : preloadDriver;
    this.context = {
      configDir: options.dockerConfigDir ?? dockerConfigDir(options.env),
      name: contextName(deps.paths.instance),
      socket: deps.paths.dockerSocket,
      env: options.env ?? process.env,
      log: this.log,
    };
  }

  protected override started(): void {
    // Off the first start's critical path: the driver's modules load while `rdd set` is still writing the App.
    const choice = this.app.get()?.spec?.vm?.driver ?? 'auto';
    void this.preload?.(choice).catch((err: unknown) => this.log.debug('driver not preloaded', { error: err }));
    this.queue.add(WORK);
  }

  protected override stopping(): void {
    this.workAbort.abort();
  }

  /** Stops the loops, stops the engine, releases the driver. */
  override stop(): Promise<void> {
    return this.shutdown(true);
  }

  /**
   * Stops the loops and releases the driver but leaves the engine running, as
   * a daemon crash would; the next controller adopts the engine.
   */
  detach(): Promise<void> {
    return this.shutdown(false);
  }

  protected async reconcile(): Promise<void> {
    const { client } = this.deps;
    const found = await client.find<AppObject>(APP, APP_NAME);
    if (!found) {
      // Gone without our finalizer (e.g. removed by force): an engine with no App must not keep running.
      const driver = this.drivers.current;
      if (driver && isUp((await driver.state()).phase)) await driver.stop(this.workAbort.signal);
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
    let driver: VmDriver;
    try {
      driver = await this.drivers.get(app.spec?.vm?.driver ?? 'auto', this.workAbort.signal);
    } catch (err) {
      // No usable driver (e.g. limactl missing): nothing can run, and `rdd set` must hear why at once.
      if (!app.spec?.running) return runningCondition('False', RunningReason.Stopped, `engine stopped (${errorMessage(err)})`, generation);
      return this.startFailed(app, err, 'no usable VM driver', generation);
    }
    const state = await driver.state();
    if (!app.spec?.running) {
      if (isUp(state.phase)) await this.stopEngine(app, driver, generation);
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
    return this.startEngine(app, driver, state.phase === 'running' ? state.engine : undefined, generation);
  }

  private async startEngine(app: AppObject, driver: VmDriver, runningEngine: string | undefined, generation: number): Promise<ConditionInput> {
    const settings = settingsOf(app);
    const switching = runningEngine !== undefined && runningEngine !== settings.engine;
    if (runningEngine !== settings.engine) {
      const why = switching
        ? `switching the engine from ${runningEngine} to ${settings.engine}`
        : `starting ${settings.engine} with the ${driver.name} driver`;
      await this.write(app, runningCondition('False', RunningReason.Starting, why, generation));
    }
    const progress = startProgressReporter((message) => this.write(app, runningCondition('False', RunningReason.Starting, message, generation)), this.log);
    try {
      if (switching) await driver.stop(this.workAbort.signal);
      // Idempotent on a running engine with these settings: that is how a running engine is adopted.
      await driver.start(settings, this.workAbort.signal, progress.report);
      await progress.settle();
    } catch (err) {
      await progress.settle();
      if (this.workAbort.signal.aborted) throw err;
      return this.startFailed(app, err, 'starting the engine failed', generation);
    }
    return runningCondition('True', RunningReason.Started, `${settings.engine} is running (${driver.name} driver)`, generation);
  }

  /**
   * The one terminal-error rule: a TerminalError (bad configuration, a missing tool) is
   * StartFailed and parks the App until the user asks again; any other failure says Starting,
   * retrying, with the cause, and the queue retries it with backoff.
   */
  private async startFailed(app: AppObject, err: unknown, what: string, generation: number): Promise<never> {
    const message = errorMessage(err);
    if (isTerminal(err)) {
      await this.write(app, runningCondition('False', RunningReason.StartFailed, message, generation));
      throw new TerminalError(`App "${APP_NAME}": ${what}: ${message}`, { cause: err });
    }
    await this.write(app, runningCondition('False', RunningReason.Starting, `start failed, retrying: ${message}`, generation));
    throw new Error(`App "${APP_NAME}": ${what}: ${message}`, { cause: err });
  }

  private async stopEngine(app: AppObject, driver: VmDriver, generation: number): Promise<void> {
    try {
      await driver.stop(this.workAbort.signal);
    } catch (err) {
      await this.write(app, runningCondition('False', RunningReason.StopFailed, errorMessage(err), generation));
      throw new Error(`App "${APP_NAME}": stopping the engine failed: ${errorMessage(err)}`, { cause: err });
    }
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
    const driver = await this.drivers.get(app.spec?.vm?.driver ?? 'auto', this.workAbort.signal);
    await driver.remove(this.workAbort.signal);
    await this.drivers.release();
    await syncDockerContext(this.context, []);
    await this.deps.client.patch(
      APP,
      APP_NAME,
      { metadata: { finalizers: finalizers.filter((f) => f !== APP_FINALIZER) } },
      { type: 'merge', fieldManager: APP_CONTROLLER_MANAGER },
    );
  }

  private async shutdown(stopTheEngine: boolean): Promise<void> {
    await this.halt();
    const driver = this.drivers.current;
    if (stopTheEngine && driver) {
      try {
        if (isUp((await driver.state()).phase)) {
          this.log.info('stopping the engine: the rdd service is shutting down');
          await driver.stop();
          await this.reportShutdown();
        }
        await syncDockerContext(this.context, []);
      } catch (err) {
        this.log.error('stopping the engine on shutdown failed', { error: err });
      }
    }
    await this.drivers.release();
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

export function createAppController(deps: AppControllerDeps, options: AppControllerOptions = {}): AppController {
  return new AppController(deps, options);
}
