import type { Logger } from '../../base/log.js';
import { CONTAINER_ENGINE_READY, RUNNING } from '../../kube/app.js';
import { findCondition } from '../../kube/conditions.js';
import type { Condition } from '../../kube/types.js';
import { pingDockerHost } from '../../vm/docker-ping.js';
import { contextHost, currentContext, removeContext, setCurrentContext, writeContext } from '../../base/docker-context-store.js';

export interface DockerContextTarget {
  configDir: string;
  /** rancher-desktop-<instance> */
  name: string;
  /** The instance's engine socket path. */
  socket: string;
  /** Where DOCKER_HOST comes from when judging the "default" context. */
  env?: NodeJS.ProcessEnv;
  log: Logger;
  ping?: (host: string) => Promise<boolean>;
}

const DEFAULT_SOCKET_HOST = 'unix:///var/run/docker.sock';

/** Whether the user's current context works: it exists and its engine answers. */
async function currentContextWorks(target: DockerContextTarget, current: string | undefined): Promise<boolean> {
  const ping = target.ping ?? pingDockerHost;
  if (current === undefined || current === 'default') {
    return ping(target.env?.DOCKER_HOST || DEFAULT_SOCKET_HOST);
  }
  const host = await contextHost(target.configDir, current);
  return host !== undefined && ping(host);
}

/**
 * Creates the instance's Docker CLI context and makes it current only when
 * the user's current context is missing or not answering, so a working setup
 * is never hijacked. Returns whether it became current.
 */
export async function ensureDockerContext(target: DockerContextTarget): Promise<boolean> {
  await writeContext(target.configDir, target.name, `unix://${target.socket}`);
  const current = await currentContext(target.configDir);
  if (current === target.name) return true;
  if (await currentContextWorks(target, current)) {
    target.log.info(`Docker context ${target.name} created; current context "${current ?? 'default'}" still works, leaving it current`);
    return false;
  }
  await setCurrentContext(target.configDir, target.name);
  target.log.info(`Docker context ${target.name} created and made current (context "${current ?? 'default'}" does not answer)`);
  return true;
}

/** Removes the instance's context; resets currentContext when it pointed at it. */
export async function removeDockerContext(target: Pick<DockerContextTarget, 'configDir' | 'name' | 'log'>): Promise<void> {
  // An unreadable meta.json is removed all the same.
  const existed = (await contextHost(target.configDir, target.name).catch(() => 'unreadable')) !== undefined;
  await removeContext(target.configDir, target.name);
  if ((await currentContext(target.configDir)) === target.name) await setCurrentContext(target.configDir, undefined);
  if (existed) target.log.info(`Docker context ${target.name} removed`);
}

/**
 * The instance's Docker context exists while the engine is connected, and goes away when it
 * stops or is containerd (no Docker API: a current context would be broken). Decided from the
 * context store on disk, so a context removed by hand comes back. Failures are logged: a
 * context is a convenience, never a reason to fail a reconcile.
 */
export async function syncDockerContext(target: DockerContextTarget, conditions: readonly Condition[]): Promise<void> {
  const running = findCondition(conditions, RUNNING)?.status === 'True';
  const engine = findCondition(conditions, CONTAINER_ENGINE_READY);
  const connected = running && engine?.status === 'True' && engine.reason === 'Connected';
  const noDockerApi = !running || (engine?.status === 'True' && engine.reason === 'NotApplicable');
  try {
    const host = await contextHost(target.configDir, target.name).catch(() => 'unreadable');
    if (connected && host !== `unix://${target.socket}`) await ensureDockerContext(target);
    else if (noDockerApi && host !== undefined) await removeDockerContext(target);
  } catch (err) {
    target.log.warn(`cannot update Docker context ${target.name}`, { error: err });
  }
}
