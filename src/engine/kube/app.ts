import type { ConditionInput } from './conditions.js';
import { findCondition } from './conditions.js';
import type { BackoffFn } from '../base/backoff.js';
import type { Logger } from '../base/log.js';
import type { KubeClient } from './client.js';
import { Informer } from './informer.js';
import { APP, APP_NAME } from './resources.js';
import type { Condition, KubeObject } from './types.js';

/**
 * The App's vocabulary: its shape, its condition types and reasons, the field
 * managers that write it, and the Settled rule that the App controller writes
 * and the CLI waits on.
 */

/** Field managers of the App status writers; each owns only its own condition types
 * (docs/design-rules.md#status-writers-never-conflict). */
export const APP_CONTROLLER_MANAGER = 'rdd-app-controller';
export const ENGINE_CONTROLLER_MANAGER = 'rdd-engine-controller';

export interface AppObject extends KubeObject {
  spec?: {
    running?: boolean;
    containerEngine?: { name?: 'moby' | 'containerd' };
    vm?: {
      driver?: 'auto' | 'lima' | 'native';
      cpus?: number;
      memory?: number;
      rosetta?: boolean;
      mounts?: { home?: boolean; type?: 'default' | 'virtiofs' | '9p' | 'reverse-sshfs' };
    };
    namespace?: string;
  };
  status?: {
    conditions?: Condition[];
    /** The rdd build of the daemon serving the App (written by the daemon-build controller). */
    daemon?: { version?: string; commit?: string };
  };
}

/**
 * Set by `rdd set running=true` / `rdd start`: retry a start that failed for
 * good or an engine the driver gave up on, without a stop first. The App
 * controller removes it when it acts on it.
 */
export const RETRY_ANNOTATION = 'app.rancherdesktop.io/retry';

/**
 * How Running's message begins while a driver creates its VM for the first time
 * (image download, engine install: many minutes), so a waiting client can allow
 * for it.
 */
export const FIRST_START_PREFIX = 'first start, this takes several minutes: ';

/** `rdd set`'s field manager for the App spec. */
export const CLI_MANAGER = 'rdd-set';

export const RUNNING = 'Running';
export const CONTAINER_ENGINE_READY = 'ContainerEngineReady';
export const SETTLED = 'Settled';
/** Whether the object store takes writes (written by the store-health controller; not part of Settled). */
export const STORE_HEALTHY = 'StoreHealthy';

/** Reasons of the Running condition (docs/app-api.md). */
export const RunningReason = {
  Started: 'Started',
  Stopped: 'Stopped',
  Starting: 'Starting',
  StartFailed: 'StartFailed',
  StopFailed: 'StopFailed',
  Crashed: 'Crashed',
} as const;

/**
 * Running reasons that no retry will change at the same generation: StartFailed
 * is written only for terminal failures (retryable ones say Starting, with the
 * cause), Crashed when the driver gave up. Waiting longer for them is pointless.
 */
export const FAILED_RUNNING_REASONS: readonly string[] = [RunningReason.StartFailed, RunningReason.Crashed];

interface Terminal {
  status: Condition['status'];
  reason: string;
}

/** The state each condition must reach for the App's spec to count as done. */
export function terminalStates(app: AppObject): { running: Terminal; engine: Terminal } {
  const wantRunning = app.spec?.running ?? false;
  if (!wantRunning) {
    return { running: { status: 'False', reason: RunningReason.Stopped }, engine: { status: 'False', reason: 'Stopped' } };
  }
  const containerd = app.spec?.containerEngine?.name === 'containerd';
  return {
    running: { status: 'True', reason: RunningReason.Started },
    // containerd has nothing to mirror: NotApplicable is its terminal state, so `rdd set` never hangs on it
    // (docs/design-rules.md#containerd-not-applicable).
    engine: { status: 'True', reason: containerd ? 'NotApplicable' : 'Connected' },
  };
}

/** Why `type` blocks, or undefined when it is in its terminal state at `generation`. */
function blocker(conditions: readonly Condition[] | undefined, type: string, want: Terminal, generation: number): ConditionInput | undefined {
  const c = findCondition(conditions, type);
  if (!c) {
    return { type: SETTLED, status: 'False', reason: 'Pending', message: `waiting for ${type} to be reported`, observedGeneration: generation };
  }
  if (c.observedGeneration !== generation) {
    const seen = c.observedGeneration === undefined ? 'no generation' : `generation ${c.observedGeneration}`;
    return {
      type: SETTLED,
      status: 'False',
      reason: 'Pending',
      message: `waiting for ${type} to observe generation ${generation} (last ${c.status}/${c.reason} at ${seen})`,
      observedGeneration: generation,
    };
  }
  if (c.status === want.status && c.reason === want.reason) return undefined;
  const detail = c.message ? `: ${c.message}` : '';
  return {
    type: SETTLED,
    status: 'False',
    reason: c.reason,
    message: `${type} ${c.status}/${c.reason}${detail}`,
    observedGeneration: generation,
  };
}

/**
 * Settled is True iff Running matches spec.running and ContainerEngineReady is
 * terminal for the spec, both observed at the App's current generation; else
 * False carrying the first blocking condition's reason and message (docs/app-api.md).
 */
export function computeSettled(app: AppObject, conditions: readonly Condition[] | undefined = app.status?.conditions): ConditionInput {
  const generation = app.metadata.generation ?? 0;
  const want = terminalStates(app);
  const blocking =
    blocker(conditions, RUNNING, want.running, generation) ?? blocker(conditions, CONTAINER_ENGINE_READY, want.engine, generation);
  if (blocking) return blocking;
  const what = app.spec?.running ? `running (${app.spec?.containerEngine?.name ?? 'moby'})` : 'stopped';
  return { type: SETTLED, status: 'True', reason: 'Settled', message: `engine ${what}, caught up with generation ${generation}`, observedGeneration: generation };
}

/** An informer of the App singleton alone. */
export function appInformer(client: KubeClient, log: Logger, backoff?: BackoffFn): Informer<AppObject> {
  return new Informer<AppObject>(client, APP, { fieldSelector: `metadata.name=${APP_NAME}`, log, backoff });
}
