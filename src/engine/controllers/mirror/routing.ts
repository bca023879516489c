/**
 * Docker event → work-queue key. A lookup table from (type, action) to the
 * key of the one engine object the event touched, so each event costs O(1):
 * the keyed sync re-inspects that object and fixes only its mirrors.
 */

export type EngineKind = 'container' | 'image' | 'volume';

export interface DockerEvent {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

export interface EngineKey {
  kind: EngineKind;
  /** Container ID, image ID or reference, volume name. */
  id: string;
}

type Route = (actor: NonNullable<DockerEvent['Actor']>) => EngineKey | undefined;

const byActorId =
  (kind: EngineKind): Route =>
  (actor) =>
    actor.ID ? { kind, id: actor.ID } : undefined;

const container = byActorId('container');
/** `docker commit` only logs a container event; the new image's ID is an attribute. */
const committedImage: Route = (actor) => (actor.Attributes?.imageID ? { kind: 'image', id: actor.Attributes.imageID } : undefined);
const image = byActorId('image');
const volume = byActorId('volume');

/**
 * Actions that can change what a mirror shows. Anything else (exec_*, attach,
 * top, resize, network, mount/unmount, push, save…) is ignored. `pull`'s actor
 * is the reference (`busybox:latest`); tag/untag/delete/import/load carry the ID.
 */
export const EVENT_ROUTES: Readonly<Record<string, Route>> = {
  'container:create': container,
  'container:start': container,
  'container:restart': container,
  'container:stop': container,
  'container:die': container,
  'container:kill': container,
  'container:oom': container,
  'container:pause': container,
  'container:unpause': container,
  'container:rename': container,
  'container:update': container,
  'container:destroy': container,
  'container:health_status': container,
  'container:commit': committedImage,
  'image:pull': image,
  'image:tag': image,
  'image:untag': image,
  'image:delete': image,
  'image:import': image,
  'image:load': image,
  'volume:create': volume,
  'volume:destroy': volume,
};

/** `health_status: healthy` and friends carry a detail after the colon. */
function baseAction(action: string): string {
  const colon = action.indexOf(':');
  return colon < 0 ? action : action.slice(0, colon);
}

export function routeEvent(event: DockerEvent): EngineKey | undefined {
  if (!event.Type || !event.Action || !event.Actor) return undefined;
  const route = EVENT_ROUTES[`${event.Type}:${baseAction(event.Action)}`];
  return route?.(event.Actor);
}

/**
 * The engine object a mirror stands for, read from the mirror itself (a container's name is its
 * ID; an image's status.id; a volume's status.name), or undefined when the mirror does not say.
 */
export function engineKeyOfMirror(kind: EngineKind, mirror: { metadata: { name?: string }; status?: Record<string, unknown> }): EngineKey | undefined {
  const id = kind === 'container' ? mirror.metadata.name : kind === 'image' ? mirror.status?.id : mirror.status?.name;
  return typeof id === 'string' && id !== '' ? { kind, id } : undefined;
}
