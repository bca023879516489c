import { applyAppConditions } from '../app-conditions.js';
import { CONTAINER_ENGINE_READY, ENGINE_CONTROLLER_MANAGER, RUNNING, type AppObject } from '../../kube/app.js';
import { findCondition } from '../../kube/conditions.js';
import { APP, APP_NAME, CONTAINER, CONTAINER_NAMESPACE, IMAGE, VOLUME, type ResourceRef } from '../../kube/resources.js';
import type { KubeObject } from '../../kube/types.js';
import type { Logger } from '../../base/log.js';
import { watchResource } from './api-watch.js';
import { removeAllMirrors } from './cleanup.js';
import { DEFAULT_API_NAMESPACE } from '../../kube/containers.js';
import { ENGINE_SYNC } from './engine-sync.js';
import { finalizeMirror, isBeingDeleted } from './finalizers.js';
import { ensureApiNamespace, ensureMobyNamespace } from './namespaces.js';
import { parseEngineKey } from './routing.js';
import { EngineSession, type EngineHooks } from './session.js';
import { driveContainerState, pendingGeneration } from './spec-state.js';
import type { Controller, ControllerDeps, ReconcileResult } from '../controller.js';
import { defaultBackoff, type BackoffFn } from '../../base/backoff.js';
import { WorkQueue } from '../work-queue.js';

export interface EngineControllerDeps extends ControllerDeps {
  /** Work-queue and watch retry delays; tests pass a fast one. */
  backoff?: BackoffFn;
  /** Grace period of `docker stop` for spec.state=created (docker's default is 10 s). */
  stopTimeoutSeconds?: number;
  /** Fault-injection seams for tests (SPEC §10). */
  hooks?: EngineHooks;
}

const APP_KEY = 'app';
const MIRROR_KINDS: readonly ResourceRef[] = [CONTAINER, IMAGE, VOLUME];
const MIRROR_PREFIX = 'mirror:';

function mirrorKey(ref: ResourceRef, namespace: string, name: string): string {
  return `${MIRROR_PREFIX}${ref.plural}:${namespace}/${name}`;
}

function parseMirrorKey(key: string): { ref: ResourceRef; namespace: string; name: string } | undefined {
  const match = /^mirror:([^:]+):([^/]+)\/(.+)$/.exec(key);
  const ref = match && MIRROR_KINDS.find((r) => r.plural === match[1]);
  return ref ? { ref, namespace: match[2], name: match[3] } : undefined;
}

/** Mirror work the engine owes: a delete to forward, or a spec.state generation not yet acted on. */
function needsWork(ref: ResourceRef, obj: KubeObject): boolean {
  return isBeingDeleted(obj) || (ref === CONTAINER && pendingGeneration(obj) !== undefined);
}

/**
 * The engine controller (SPEC §6): runs an engine session while the App is
 * Running with moby, owns ContainerEngineReady, and does the mirror's
 * reverse path (finalizers, spec.state). Everything goes through one work
 * queue: `app`, `engine:<kind>:<id>` (a Docker event), and
 * `mirror:<plural>:<ns>/<name>` (an API-side change), each retried on its own
 * so no key starves another.
 */
class EngineController implements Controller {
  readonly name = 'engine-controller';
  private readonly log: Logger;
  private readonly queue: WorkQueue;
  private readonly abort = new AbortController();
  private session?: EngineSession;
  /** Why the last session died or failed to start; shown as ConnectFailed until a sync succeeds. */
  private lostReason?: string;
  /** The pending-work scan after a (re)start failed and must be repeated (I4). */
  private scanPending = false;
  /** The App's namespace as last read; where the mirrors are. */
  private namespace?: string;
  /** Mirror keys the watches have seen and not seen deleted. */
  private readonly seen = new Set<string>();

  constructor(private readonly deps: EngineControllerDeps) {
    this.log = deps.log.child(this.name);
    this.queue = new WorkQueue({
      name: this.name,
      log: this.log,
      backoff: deps.backoff ?? defaultBackoff,
      concurrency: 8,
      reconcile: (key) => this.reconcile(key),
    });
  }

  async start(): Promise<void> {
    const common = { client: this.deps.client, signal: this.abort.signal, log: this.log, backoff: this.deps.backoff ?? defaultBackoff };
    await Promise.all([
      watchResource({ ...common, ref: APP, onEvent: () => this.queue.add(APP_KEY) }),
      watchResource({
        ...common,
        ref: CONTAINER_NAMESPACE,
        // A user deleting `moby` while connected gets it back (I3).
        onEvent: (type) => type === 'DELETED' && this.queue.add(APP_KEY),
      }),
      ...MIRROR_KINDS.map((ref) =>
        watchResource({
          ...common,
          ref,
          onEvent: (type, obj) => {
            const key = mirrorKey(ref, obj.metadata.namespace!, obj.metadata.name!);
            if (type === 'DELETED') {
              this.seen.delete(key);
              return;
            }
            this.seen.add(key);
            if (needsWork(ref, obj)) this.queue.add(key);
          },
        }),
      ),
    ]);
    this.queue.add(APP_KEY);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.closeSession();
    await this.queue.stop();
  }

  private async reconcile(key: string): Promise<ReconcileResult | void> {
    if (key === APP_KEY) return this.reconcileApp();
    const engineKey = parseEngineKey(key);
    if (engineKey) {
      // Without a session the event is moot: the next full sync covers it.
      if (this.session) await ENGINE_SYNC[engineKey.kind](this.session.ctx, engineKey.id);
      return;
    }
    const mirror = parseMirrorKey(key);
    if (mirror) await this.reconcileMirror(mirror.ref, mirror.namespace, mirror.name);
  }

  private async reconcileApp(): Promise<void> {
    const { client } = this.deps;
    const app = await client.find<AppObject>(APP, APP_NAME);
    if (!app) {
      // The App is gone, and the engine with it: so are the mirrors.
      this.closeSession();
      if (this.namespace) await removeAllMirrors(client, this.namespace);
      return;
    }
    const generation = app.metadata.generation ?? 1;
    const namespace = app.spec?.namespace ?? DEFAULT_API_NAMESPACE;
    this.namespace = namespace;
    const engine = app.spec?.containerEngine?.name ?? 'moby';
    const wanted = app.spec?.running === true;
    const running = wanted && findCondition(app.status?.conditions, RUNNING)?.status === 'True';
    await ensureApiNamespace(client, namespace);

    if (!running || engine !== 'moby') {
      this.closeSession();
      this.lostReason = undefined;
      await removeAllMirrors(client, namespace);
      if (wanted && engine !== 'moby') {
        await this.setReady('True', 'NotApplicable', `the ${engine} engine is not mirrored; only moby is`, generation);
      } else {
        // Same False/Stopped contract either way (Settled relies on it); the message says which it is.
        const message = wanted ? 'waiting for the engine to start' : 'the container engine is stopped';
        await this.setReady('False', 'Stopped', message, generation);
      }
      return;
    }

    if (this.session) {
      await ensureMobyNamespace(client, namespace);
      await this.setReady('True', 'Connected', this.connectedMessage(this.session), generation);
    } else {
      await this.startSession(namespace, generation);
    }
    // No early return after a (re)start: work queued during the gap is picked up now (I4).
    if (this.scanPending) await this.enqueuePendingWork(namespace);
  }

  private async startSession(namespace: string, generation: number): Promise<void> {
    if (this.lostReason) await this.setReady('False', 'ConnectFailed', this.lostReason, generation);
    let session: EngineSession | undefined;
    try {
      session = await EngineSession.connect({
        client: this.deps.client,
        socketPath: this.deps.paths.dockerSocket,
        namespace,
        log: this.log,
        hooks: this.deps.hooks,
        enqueue: (key) => this.queue.add(key),
        mayExist: (ref, name) => this.seen.has(mirrorKey(ref, namespace, name)),
        onDeath: (s, err) => this.onSessionDeath(s, err),
      });
      this.session = session;
      const result = await session.start();
      this.log.info('full sync done', { ...result, apiVersion: session.apiVersion });
    } catch (err) {
      if (this.session === session) this.closeSession();
      this.lostReason = (err as Error).message;
      await this.setReady('False', 'ConnectFailed', this.lostReason, generation);
      throw err;
    }
    this.lostReason = undefined;
    this.scanPending = true;
    await this.setReady('True', 'Connected', this.connectedMessage(session), generation);
  }

  private connectedMessage(session: EngineSession): string {
    return `mirroring the moby engine at ${this.deps.paths.dockerSocket} (Docker API ${session.apiVersion})`;
  }

  private onSessionDeath(session: EngineSession, err: Error): void {
    if (this.session !== session) return;
    this.session = undefined;
    session.close();
    this.lostReason = err.message;
    this.log.warn('engine watcher died; reconnecting', { error: err });
    this.queue.add(APP_KEY);
  }

  private closeSession(): void {
    this.session?.close();
    this.session = undefined;
  }

  /** Lists every mirror kind (each attempted whatever the others do) and enqueues those owing work. */
  private async enqueuePendingWork(namespace: string): Promise<void> {
    const settled = await Promise.allSettled(
      MIRROR_KINDS.map(async (ref) => {
        const list = await this.deps.client.list(ref, { namespace });
        for (const obj of list.items) if (needsWork(ref, obj)) this.queue.add(mirrorKey(ref, namespace, obj.metadata.name!));
      }),
    );
    const errors = settled.flatMap((s, n) => (s.status === 'rejected' ? [new Error(`cannot list ${MIRROR_KINDS[n].kind} mirrors`, { cause: s.reason })] : []));
    if (errors.length > 0) throw new AggregateError(errors, `scanning for pending mirror work failed: ${errors.map((e) => e.message).join('; ')}`);
    this.scanPending = false;
  }

  private async reconcileMirror(ref: ResourceRef, namespace: string, name: string): Promise<void> {
    const session = this.session;
    // Disconnected: the scan after the next (re)start picks this up (I4).
    if (!session || session.ctx.namespace !== namespace) return;
    const obj = await this.deps.client.find(ref, name, namespace);
    if (!obj) return;
    if (isBeingDeleted(obj)) await finalizeMirror(session.ctx, ref, obj);
    else if (ref === CONTAINER) await driveContainerState(session.ctx, obj, this.deps.stopTimeoutSeconds ?? 10);
  }

  private setReady(status: 'True' | 'False', reason: string, message: string, generation: number): Promise<void> {
    return applyAppConditions(
      this.deps.client,
      ENGINE_CONTROLLER_MANAGER,
      [{ type: CONTAINER_ENGINE_READY, status, reason, message, observedGeneration: generation }],
      this.log,
    );
  }
}

export function createEngineController(deps: EngineControllerDeps): Controller {
  return new EngineController(deps);
}
