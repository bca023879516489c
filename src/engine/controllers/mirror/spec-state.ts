import type Docker from 'dockerode';
import { ENGINE_CONTROLLER_MANAGER } from '../../kube/app.js';
import { CONTAINER } from '../../kube/resources.js';
import type { KubeObject } from '../../kube/types.js';
import type { ContainerState } from '../../kube/containers.js';
import { dockerMessage } from './docker-client.js';
import { describe } from './mirror-store.js';
import type { MirrorContext } from './session-context.js';

/*
 * spec.state is edge-triggered: a user's change (metadata.generation moving
 * past status.observedGeneration) drives the container once. Afterwards the
 * engine is mirrored, not fought: `docker stop` or a restart policy wins
 * until the user expresses a new intent.
 */

export interface LastAction {
  state: ContainerState;
  result: 'Succeeded' | 'Failed';
  error?: string;
  time: string;
}

export function pendingGeneration(mirror: KubeObject): number | undefined {
  const generation = mirror.metadata.generation ?? 0;
  const observed = Number(mirror.status?.observedGeneration ?? 0);
  const state = mirror.spec?.state as ContainerState | undefined;
  if (!state || state === 'unknown' || generation <= observed) return undefined;
  return generation;
}

type Driver = (container: Docker.Container, state: Docker.ContainerInspectInfo['State'], stopTimeoutSeconds: number) => Promise<void>;

export const DRIVERS: Record<Exclude<ContainerState, 'unknown'>, Driver> = {
  running: async (c, s) => {
    if (s.Paused) await c.unpause();
    else if (!s.Running) await c.start();
  },
  // A paused container cannot be stopped: unpause first, then stop as usual.
  created: async (c, s, t) => {
    if (s.Paused) await c.unpause();
    if (s.Running || s.Paused || s.Restarting) await c.stop({ t });
  },
  paused: async (c, s) => {
    if (!s.Paused) await c.pause();
  },
};

async function recordAction(ctx: MirrorContext, mirror: KubeObject, action: LastAction, generation?: number): Promise<void> {
  const previous = mirror.status?.lastAction as LastAction | undefined;
  // A repeated failure is not re-written: the write would wake the queue and defeat its backoff.
  if (
    generation === undefined &&
    previous?.state === action.state &&
    previous.result === action.result &&
    previous.error === action.error
  ) {
    return;
  }
  await ctx.client.patch(
    CONTAINER,
    mirror.metadata.name!,
    {
      status: {
        lastAction: { ...action, action: null, error: action.error ?? null },
        ...(generation === undefined ? {} : { observedGeneration: generation }),
      },
    },
    { type: 'merge', subresource: 'status', namespace: mirror.metadata.namespace, fieldManager: ENGINE_CONTROLLER_MANAGER },
  );
}

/** Drives the container to spec.state once per generation; a failure is recorded and thrown so the queue retries. */
export async function driveContainerState(ctx: MirrorContext, mirror: KubeObject, stopTimeoutSeconds: number): Promise<void> {
  const generation = pendingGeneration(mirror);
  if (generation === undefined) return;
  const state = mirror.spec!.state as Exclude<ContainerState, 'unknown'>;
  const container = ctx.docker.getContainer(mirror.metadata.name!);
  const time = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  try {
    const inspect = await container.inspect();
    await DRIVERS[state](container, inspect.State, stopTimeoutSeconds);
  } catch (err) {
    const error = dockerMessage(err);
    ctx.events.record(mirror, 'Warning', 'StateChangeFailed', `cannot make the container ${state}: ${error}`);
    await recordAction(ctx, mirror, { state, result: 'Failed', error, time: time() });
    throw new Error(`${describe(CONTAINER, mirror.metadata.name!, mirror.metadata.namespace)}: cannot make it ${state}: ${error}`, {
      cause: err,
    });
  }
  await recordAction(ctx, mirror, { state, result: 'Succeeded', time: time() }, generation);
  ctx.events.record(mirror, 'Normal', 'StateChanged', `container is ${state} (spec.state generation ${generation})`);
  ctx.log.info(`drove ${describe(CONTAINER, mirror.metadata.name!, mirror.metadata.namespace)} to ${state}`, { generation });
}
