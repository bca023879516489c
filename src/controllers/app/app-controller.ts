import { applyAppConditions } from '../app-conditions.js';
import { APP_CONTROLLER_MANAGER, type AppObject } from '../../kube/app.js';
import { watchApp } from '../../kube/watch-app.js';
import { findCondition, type ConditionInput } from '../../kube/conditions.js';
import { ensureDockerContext, removeDockerContext } from './docker-context.js';
import { contextName, dockerConfigDir } from './docker-context-store.js';
import { errorMessage } from '../../base/errors.js';
import { APP, APP_NAME } from '../../kube/resources.js';
import type { Condition } from '../../kube/types.js';
import { createDriver, type DriverChoice } from '../../vm/select-driver.js';
import type { DriverContext, EngineName, EngineSettings, VmDriver } from '../../vm/driver.js';
import type { Controller, ControllerDeps, ReconcileResult } from '../controller.js';
import { computeSettled, CONTAINER_ENGINE_READY, RUNNING, RunningReason } from '../../kube/app.js';
import type { BackoffFn } from '../../base/backoff.js';
import { WorkQueue } from '../work-queue.js';

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

export interface AppController extends Controller {
  /**
   * Stops the loops and releases the driver but leaves the engine running, as
   * a daemon crash would; the next controller adopts the engine.
   */
  detach(): Promise<void>;
}

interface ActiveDriver {
  choice: DriverChoice;
  driver: VmDriver;
  unsubscribe: () => void;
  /** The engine this controller started or adopted through driver.start(). */
  startedEngine?: EngineName;
}

const KEY = APP_NAME;
/** How long a driver may take to restart a dead engine before the controller starts it itself. */
const RESTART_GRACE_MS = 120_000;

function runningCondition(status: Condition['status'], reason: string, message: string, generation: number): ConditionInput {
  return { type: RUNNING, status, reason, message, observedGeneration: generation };
}

function settingsOf(app: AppObject): EngineSettings {
  const vm = app.spec?.vm;
  return { engine: app.spec?.containerEngine?.name ?? 'moby', cpus: vm?.cpus, memory: vm?.memory, rosetta: vm?.rosetta };
}

/** The App's conditions as they will be once `running` is written. */
function withCondition(conditions: readonly Condition[] | undefined, next: ConditionInput): Condition[] {
  const rest = (conditions ?? []).filter((c) => c.type !== next.type);
  return [...rest, { ...next, lastTransitionTime: '' }];
}

/**
 * Drives the VM driver from the App's spec and reports Running and Settled
 * (SPEC §5, §6). Level-triggered: every App change (including the engine
 * controller's condition writes) and every driver state change enqueues the
 * single key "app"; the reconcile re-reads the App and the driver's state.
 */
export function createAppController(deps: ControllerDeps, options: AppControllerOptions = {}): AppController {
  const { client, paths } = deps;
  const log = deps.log.child('app-controller');
  const makeDriver = options.createDriver ?? createDriver;
  const context = {
    configDir: options.dockerConfigDir ?? dockerConfigDir(options.env),
    name: contextName(paths.instance),
    socket: paths.dockerSocket,
    env: options.env ?? process.env,
    log,
  };
  const watchAbort = new AbortController();
  /** Aborts an in-flight driver.start() when the daemon shuts down. */
  const workAbort = new AbortController();
  let active: ActiveDriver | undefined;
  /** The generation at which the driver gave up restarting the engine; a newer one tries again. */
  let crashedGeneration: number | undefined;
  /** Whether the instance's Docker context exists; undefined = unknown (clean up a leftover). */
  let contextActive: boolean | undefined;
  /** Since when a supervised engine has been down, waiting for the driver to restart it. */
  let restartPendingSince: number | undefined;
  let loop: Promise<void> | undefined;

  const queue = new WorkQueue({ name: 'app-controller', log, backoff: options.backoff, reconcile: () => reconcile() });

  async function driverFor(choice: DriverChoice): Promise<ActiveDriver> {
    if (active?.choice === choice) return active;
    if (active) {
      log.info(`VM driver changes from ${active.choice} to ${choice}; stopping the engine of the old one`);
      await active.driver.stop(workAbort.signal);
      await releaseDriver();
    }
    const driver = await makeDriver(choice, { paths, log: log.child('driver') });
    const unsubscribe = driver.onStateChange((state) => {
      log.info(`engine state changed: ${state.phase}`, state.phase === 'crashed' ? { message: state.message } : undefined);
      queue.add(KEY);
    });
    active = { choice, driver, unsubscribe };
    return active;
  }

  async function releaseDriver(): Promise<void> {
    const current = active;
    active = undefined;
    if (!current) return;
    current.unsubscribe();
    await current.driver.dispose();
  }

  async function write(app: AppObject, running: ConditionInput): Promise<Condition[]> {
    const conditions = withCondition(app.status?.conditions, running);
    await applyAppConditions(client, APP_CONTROLLER_MANAGER, [running, computeSettled(app, conditions)], log, app);
    return conditions;
  }

  async function stopEngine(app: AppObject, d: ActiveDriver, generation: number): Promise<ConditionInput> {
    try {
      await d.driver.stop(workAbort.signal);
    } catch (err) {
      await write(app, runningCondition('False', RunningReason.StopFailed, errorMessage(err), generation));
      throw new Error(`App "${APP_NAME}": stopping the engine failed: ${errorMessage(err)}`, { cause: err });
    }
    d.startedEngine = undefined;
    crashedGeneration = undefined;
    return runningCondition('False', RunningReason.Stopped, 'engine stopped', generation);
  }

  async function startEngine(app: AppObject, d: ActiveDriver, generation: number): Promise<ConditionInput> {
    const settings = settingsOf(app);
    const state = await d.driver.state();
    const runningEngine = state.phase === 'running' ? state.engine : undefined;
    const switching = runningEngine !== undefined && runningEngine !== settings.engine;
    const adopting = runningEngine === settings.engine;
    if (!adopting) {
      const why = switching
        ? `switching the engine from ${runningEngine} to ${settings.engine}`
        : `starting ${settings.engine} with the ${d.driver.name} driver`;
      await write(app, runningCondition('False', RunningReason.Starting, why, generation));
    }
    try {
      if (switching) await d.driver.stop(workAbort.signal);
      await d.driver.start(settings, workAbort.signal);
    } catch (err) {
      d.startedEngine = undefined;
      if (workAbort.signal.aborted) throw err;
      await write(app, runningCondition('False', RunningReason.StartFailed, errorMessage(err), generation));
      throw new Error(`App "${APP_NAME}": starting the engine failed: ${errorMessage(err)}`, { cause: err });
    }
    if (adopting && d.startedEngine === undefined) log.info(`adopted the running ${settings.engine} engine`);
    d.startedEngine = settings.engine;
    crashedGeneration = undefined;
    return runningCondition('True', RunningReason.Started, `${settings.engine} is running (${d.driver.name} driver)`, generation);
  }

  /** Brings the engine to spec.running / spec.containerEngine.name; returns the Running condition to report. */
  async function driveEngine(app: AppObject): Promise<{ running: ConditionInput; requeueAfterMs?: number }> {
    const generation = app.metadata.generation ?? 0;
    let d: ActiveDriver;
    try {
      d = await driverFor(app.spec?.vm?.driver ?? 'auto');
    } catch (err) {
      // No usable driver (e.g. limactl missing): nothing can run, and `rdd set` must hear why at once.
      if (!app.spec?.running) return { running: runningCondition('False', RunningReason.Stopped, `engine stopped (${errorMessage(err)})`, generation) };
      await write(app, runningCondition('False', RunningReason.StartFailed, errorMessage(err), generation));
      throw err;
    }
    const state = await d.driver.state();
    if (!app.spec?.running) {
      restartPendingSince = undefined;
      if (state.phase === 'running' || state.phase === 'crashed') return { running: await stopEngine(app, d, generation) };
      d.startedEngine = undefined;
      crashedGeneration = undefined;
      return { running: runningCondition('False', RunningReason.Stopped, 'engine stopped', generation) };
    }
    if (state.phase === 'crashed' && (crashedGeneration === undefined || crashedGeneration === generation)) {
      // The driver gave up restarting it; only a new generation (the user asking again) retries.
      crashedGeneration = generation;
      d.startedEngine = undefined;
      restartPendingSince = undefined;
      return { running: runningCondition('False', RunningReason.Crashed, state.message, generation) };
    }
    const engine = app.spec.containerEngine?.name ?? 'moby';
    if (state.phase === 'running' && state.engine === engine && d.startedEngine === engine) {
      restartPendingSince = undefined;
      return { running: runningCondition('True', RunningReason.Started, `${engine} is running (${d.driver.name} driver)`, generation) };
    }
    if (d.startedEngine === engine && state.phase !== 'running') {
      // The engine died under supervision: the driver restarts it with backoff and reports
      // running or crashed; starting it here would reset its crash accounting. Step in only
      // if the driver stays silent for too long.
      restartPendingSince ??= Date.now();
      const waited = Date.now() - restartPendingSince;
      if (waited < RESTART_GRACE_MS) {
        const message = `${engine} exited; the ${d.driver.name} driver is restarting it`;
        return { running: runningCondition('False', RunningReason.Starting, message, generation), requeueAfterMs: RESTART_GRACE_MS - waited };
      }
      log.warn(`the ${d.driver.name} driver did not restart ${engine} within ${RESTART_GRACE_MS / 1000}s; starting it`);
    }
    restartPendingSince = undefined;
    return { running: await startEngine(app, d, generation) };
  }

  /**
   * The instance's Docker context exists while the engine is connected, and goes
   * away when it stops or is containerd (no Docker API: a current context would be broken).
   */
  async function syncDockerContext(conditions: readonly Condition[]): Promise<void> {
    const running = findCondition(conditions, RUNNING)?.status === 'True';
    const engine = findCondition(conditions, CONTAINER_ENGINE_READY);
    const connected = running && engine?.status === 'True' && engine.reason === 'Connected';
    const noDockerApi = !running || (engine?.status === 'True' && engine.reason === 'NotApplicable');
    try {
      if (connected && contextActive !== true) {
        await ensureDockerContext(context);
        contextActive = true;
      } else if (noDockerApi && contextActive !== false) {
        await removeDockerContext(context);
        contextActive = false;
      }
    } catch (err) {
      log.warn(`cannot update Docker context ${context.name}`, { error: err });
    }
  }

  async function ensureFinalizer(app: AppObject): Promise<AppObject> {
    const finalizers = app.metadata.finalizers ?? [];
    if (finalizers.includes(APP_FINALIZER)) return app;
    return client.patch<AppObject>(
      APP,
      APP_NAME,
      // No resourceVersion: only this controller sets the App's finalizers, and a
      // precondition would only turn concurrent status writes into 409 retries.
      { metadata: { finalizers: [...finalizers, APP_FINALIZER] } },
      { type: 'merge', fieldManager: APP_CONTROLLER_MANAGER },
    );
  }

  /** App deletion: remove the engine and its VM, then let the App go. */
  async function finalize(app: AppObject): Promise<void> {
    const finalizers = app.metadata.finalizers ?? [];
    if (!finalizers.includes(APP_FINALIZER)) return;
    log.info(`App "${APP_NAME}" is being deleted: removing the engine`);
    const d = await driverFor(app.spec?.vm?.driver ?? 'auto');
    await d.driver.remove(workAbort.signal);
    await releaseDriver();
    await syncDockerContext([]);
    await client.patch(
      APP,
      APP_NAME,
      { metadata: { finalizers: finalizers.filter((f) => f !== APP_FINALIZER) } },
      { type: 'merge', fieldManager: APP_CONTROLLER_MANAGER },
    );
  }

  async function reconcile(): Promise<ReconcileResult | void> {
    const found = await client.find<AppObject>(APP, APP_NAME);
    if (!found) {
      // Gone without our finalizer (e.g. removed by force): an engine with no App must not keep running.
      if (active?.startedEngine) await active.driver.stop(workAbort.signal);
      if (active) active.startedEngine = undefined;
      await syncDockerContext([]);
      return;
    }
    if (found.metadata.deletionTimestamp) return finalize(found);
    const app = await ensureFinalizer(found);
    const { running, requeueAfterMs } = await driveEngine(app);
    // The context first, so that whoever sees Settled=True also finds it.
    await syncDockerContext(withCondition(app.status?.conditions, running));
    await write(app, running);
    return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
  }

  async function shutdown(stopTheEngine: boolean): Promise<void> {
    watchAbort.abort();
    workAbort.abort();
    await loop;
    await queue.stop();
    if (stopTheEngine && active) {
      try {
        const state = await active.driver.state();
        if (state.phase === 'running' || state.phase === 'crashed') {
          log.info('stopping the engine: the rdd service is shutting down');
          await active.driver.stop();
          await reportShutdown();
        }
        await syncDockerContext([]);
      } catch (err) {
        log.error('stopping the engine on shutdown failed', { error: err });
      }
    }
    await releaseDriver();
  }

  /** Best effort: the API server is about to close too. */
  async function reportShutdown(): Promise<void> {
    try {
      const app = await client.find<AppObject>(APP, APP_NAME);
      if (app) {
        await write(app, runningCondition('False', RunningReason.Stopped, 'engine stopped because the rdd service shut down', app.metadata.generation ?? 0));
      }
    } catch (err) {
      log.warn('cannot report the engine stop on shutdown', { error: err });
    }
  }

  return {
    name: 'app-controller',
    async start() {
      let listed!: () => void;
      const ready = new Promise<void>((resolve) => (listed = resolve));
      watchAbort.signal.addEventListener('abort', () => listed());
      loop = watchApp(client, { signal: watchAbort.signal, log, onChange: () => queue.add(KEY), onListed: () => listed(), backoff: options.backoff });
      await ready;
    },
    stop: () => shutdown(true),
    detach: () => shutdown(false),
  };
}
