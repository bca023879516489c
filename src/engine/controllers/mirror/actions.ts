import type Docker from 'dockerode';
import { ENGINE_CONTROLLER_MANAGER } from '../../kube/app.js';
import { CONTAINER } from '../../kube/resources.js';
import type { KubeObject } from '../../kube/types.js';
import { dockerMessage, dockerStatus } from './docker-client.js';
import { describe } from './mirror-store.js';
import type { MirrorContext } from './session-context.js';
import { DRIVERS } from './spec-state.js';

/*
 * The reference implementation's one-shot action: a client sets the
 * annotation on a Container, the controller carries it out once, records the
 * outcome in status.lastAction and removes the annotation. It lives beside
 * spec.state (docs/containers-api.md explains the interplay).
 *
 * Replay after a crash: the outcome is recorded before the annotation goes,
 * so an annotation still present may have been carried out already. start,
 * stop, pause and unpause are checked against the container's state and do
 * nothing when it is already there; restart, which has no end state to
 * check, first records result InProgress with the time, and a replay that
 * finds the container started since then records Succeeded instead of
 * restarting it again.
 */

export const ACTION_ANNOTATION = 'containers.rancherdesktop.io/action';
export const ACTIONS = ['start', 'stop', 'pause', 'unpause', 'restart'] as const;
export type Action = (typeof ACTIONS)[number];

interface ActionRecord {
  action: string;
  result: 'InProgress' | 'Succeeded' | 'Failed';
  error?: string;
  time: string;
}

export function pendingAction(mirror: KubeObject | undefined): string | undefined {
  return mirror?.metadata.annotations?.[ACTION_ANNOTATION];
}

const now = () => new Date().toISOString();

type State = Docker.ContainerInspectInfo['State'];

/** Each action, a no-op when the container is already where the action leads. */
const PERFORM: Record<Exclude<Action, 'restart'>, (c: Docker.Container, s: State, stopTimeoutSeconds: number) => Promise<void>> = {
  start: DRIVERS.running,
  stop: DRIVERS.created,
  pause: DRIVERS.paused,
  unpause: async (c, s) => {
    // A running container is where unpause leads; a stopped one gets docker's own refusal.
    if (s.Paused || !s.Running) await c.unpause();
  },
};

/** True when a restart recorded InProgress at `since` has happened: the container started after it. */
function restartedSince(state: State, since: string | undefined): boolean {
  return since !== undefined && state.Running && Date.parse(state.StartedAt) >= Date.parse(since);
}

async function record(ctx: MirrorContext, mirror: KubeObject, action: ActionRecord): Promise<void> {
  await ctx.client.patch(
    CONTAINER,
    mirror.metadata.name!,
    // state belongs to spec.state's records; an action's record has none.
    { status: { lastAction: { state: null, error: null, ...action } } },
    { type: 'merge', subresource: 'status', namespace: mirror.metadata.namespace, fieldManager: ENGINE_CONTROLLER_MANAGER },
  );
}

/** Removes the annotation if it still holds `action`: a newer one written meanwhile stays for the next round. */
async function removeAnnotation(ctx: MirrorContext, mirror: KubeObject, action: string): Promise<void> {
  const path = `/metadata/annotations/${ACTION_ANNOTATION.replaceAll('~', '~0').replaceAll('/', '~1')}`;
  await ctx.client.patch(
    CONTAINER,
    mirror.metadata.name!,
    [
      { op: 'test', path, value: action },
      { op: 'remove', path },
    ],
    { type: 'json', namespace: mirror.metadata.namespace, fieldManager: ENGINE_CONTROLLER_MANAGER },
  );
}

async function perform(ctx: MirrorContext, mirror: KubeObject, action: Action, stopTimeoutSeconds: number): Promise<void> {
  const container = ctx.docker.getContainer(mirror.metadata.name!);
  const { State } = await container.inspect();
  if (action !== 'restart') return PERFORM[action](container, State, stopTimeoutSeconds);
  const previous = mirror.status?.lastAction as Partial<ActionRecord> | undefined;
  const inProgress = previous?.action === 'restart' && previous.result === 'InProgress' ? previous.time : undefined;
  if (restartedSince(State, inProgress)) return;
  if (inProgress === undefined) await record(ctx, mirror, { action, result: 'InProgress', time: now() });
  await container.restart({ t: stopTimeoutSeconds });
}

/**
 * Carries out the Container's action annotation once: the outcome, success
 * or the engine's refusal, goes to status.lastAction, then the annotation is
 * removed. An unknown verb is recorded as Failed. Only a failure to reach the
 * engine or the API is thrown, for the queue to retry.
 */
export async function carryOutAction(ctx: MirrorContext, mirror: KubeObject, stopTimeoutSeconds: number): Promise<void> {
  const action = pendingAction(mirror);
  if (action === undefined) return;
  const what = describe(CONTAINER, mirror.metadata.name!, mirror.metadata.namespace);
  let error: string | undefined;
  if ((ACTIONS as readonly string[]).includes(action)) {
    try {
      await perform(ctx, mirror, action as Action, stopTimeoutSeconds);
    } catch (err) {
      // No answer from the engine: retry; an answer is the action's outcome.
      if (dockerStatus(err) === undefined) throw new Error(`${what}: cannot ${action}: ${(err as Error).message}`, { cause: err });
      error = dockerMessage(err);
    }
  } else {
    error = `unsupported action ${JSON.stringify(action)}: supported actions are ${ACTIONS.join(', ')}`;
  }
  await record(ctx, mirror, { action, result: error === undefined ? 'Succeeded' : 'Failed', ...(error === undefined ? {} : { error }), time: now() });
  await removeAnnotation(ctx, mirror, action);
  ctx.log.info(`${what}: action ${action} ${error === undefined ? 'done' : `failed: ${error}`}`);
}
