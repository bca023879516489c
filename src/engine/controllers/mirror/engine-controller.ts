import { applyAppConditions } from '../app-conditions.js';
import { CONTAINER_ENGINE_READY, ENGINE_CONTROLLER_MANAGER, RUNNING, type AppObject } from '../../kube/app.js';
import { Informer, type InformerEventType } from '../../kube/informer.js';
import { findCondition } from '../../kube/conditions.js';
import { APP, APP_NAME, CONTAINER, CONTAINER_NAMESPACE, IMAGE, VOLUME, type ResourceRef } from '../../kube/resources.js';
import type { KubeObject } from '../../kube/types.js';
import { removeAllMirrors } from './cleanup.js';
import { DEFAULT_API_NAMESPACE } from '../../kube/containers.js';
import { ENGINE_SYNC } from './engine-sync.js';
import { finalizeMirror, isBeingDeleted } from './finalizers.js';
import { EngineNotResponding, PING_INTERVAL_MS, pingFailure } from './liveness.js';
import { ensureApiNamespace, ensureMobyNamespace } from './namespaces.js';
import { engineKeyOfMirror, type EngineKey, type EngineKind } from './routing.js';
import { EngineSession, type EngineHooks } from './session.js';
import { driveContainerState, pendingGeneration } from './spec-state.js';
import { ACTION_ANNOTATION, carryOutAction, pendingAction } from './actions.js';
import type { Controller, ControllerDeps, ReconcileResult } from '../controller.js';
import { newInput } from '../predicates.js';
import { QueueController, type QueueControllerDeps } from '../queue-controller.js';

export interface EngineControllerDeps extends ControllerDeps, QueueControllerDeps {
  /** Grace period of `docker stop` for spec.state=created (docker's default is 10 s). */
  stopTimeoutSeconds?: number;
  /** Fault-injection seams for tests: a real seam, not a mock (see docs/testing.md). */
  hooks?: EngineHooks;
}

const MIRROR_KINDS: readonly ResourceRef[] = [CONTAINER, IMAGE, VOLUME];
/** ContainerEngineReady's reason while a connected engine stops answering. */
const ENGINE_NOT_RESPONDING = 'EngineNotResponding';
/** The engine kind each mirror kind stands for. */
const MIRROR_KIND = new Map<ResourceRef, EngineKind>([
  [CONTAINER, 'container'],
  [IMAGE, 'image'],
  [VOLUME, 'volume'],
]);

/**
 * The engine controller's work: the App (session and ContainerEngineReady),
 * one engine object a Docker event touched, or one mirror an API-side change
 * touched. Each is retried on its own, so no key starves another.
 */
type Work = { kind: 'app' } | { kind: 'engine'; key: EngineKey } | { kind: 'mirror'; ref: ResourceRef; namespace: string; name: string };

const APP_WORK: Work = { kind: 'app' };

function workId(work: Work): string {
  switch (work.kind) {
    case 'app':
      return 'app';
    case 'engine':
      return `engine ${work.key.kind} ${work.key.id}`;
    case 'mirror':
      return `${work.ref.kind} ${work.namespace}/${work.name}`;
  }
}

/** Mirror work the engine owes: a delete to forward, a spec.state generation not yet acted on, or an action annotation. */
function needsWork(ref: ResourceRef, obj: KubeObject): boolean {
  return isBeingDeleted(obj) || (ref === CONTAINER && (pendingGeneration(obj) !== undefined || pendingAction(obj) !== undefined));
}

/**
 * The engine controller: runs an engine session while the App wants moby
 * running, owns ContainerEngineReady, and does the mirror's reverse path
 * (finalizers, spec.state). While the engine is down but still wanted the
 * mirrors stay, with their uids; they go only when the user stops the engine
 * or switches to containerd (docs/containers-api.md).
 */
class EngineController extends QueueController<Work> {
  private readonly mirrors = new Map<ResourceRef, Informer>();
  private session?: EngineSession;
  /** Why the last session died or failed to start; shown as ConnectFailed until a sync succeeds. */
  private lostReason?: string;
  /** The pending-work scan after a (re)start failed and must be repeated: starting a watcher must not skip work. */
  private scanPending = false;
  /** The App's namespace as last read; where the mirrors are. */
  private namespace?: string;
  /** Why the engine counts as hung (it stopped answering /_ping while connected); cleared once it answers. */
  private hung?: string;

  constructor(private readonly deps: EngineControllerDeps) {
    super('engine-controller', deps, { concurrency: 8, idOf: workId });
    // The App controller's Running verdict is new input too: the engine came up, or went down.
    this.watch(this.app, { keysOf: () => [APP_WORK], isNewInput: newInput({ conditions: [RUNNING] }) });
    const informer = (ref: ResourceRef) => new Informer(deps.client, ref, { log: this.log, backoff: deps.backoff });
    // A user deleting `moby` while connected gets it back.
    this.watch(informer(CONTAINER_NAMESPACE), { keysOf: (type) => (type === 'DELETED' ? [APP_WORK] : []), isNewInput: newInput() });
    for (const ref of MIRROR_KINDS) {
      const mirror = informer(ref);
      // A new deletion, spec.state generation or action is new input: it must not wait out an old
      // failure's backoff. Anything else (our own status writes) must.
      this.watch(mirror, { keysOf: (type, obj) => this.mirrorWork(ref, type, obj), isNewInput: newInput({ requestAnnotations: [ACTION_ANNOTATION] }) });
      this.mirrors.set(ref, mirror);
    }
  }

  protected override started(): void {
    this.queue.add(APP_WORK);
  }

  protected override stopping(): void {
    this.closeSession();
  }

  /**
   * What a mirror's change owes the engine. A mirror deleted while connected (a client removed
   * its finalizer, say) re-syncs its engine object at once: if that still exists, the mirror is
   * back within the sync, not at the object's next Docker event.
   */
  private mirrorWork(ref: ResourceRef, type: InformerEventType, obj: KubeObject): Work[] {
    if (type === 'DELETED') {
      const key = engineKeyOfMirror(MIRROR_KIND.get(ref)!, obj);
      return key && this.session?.ctx.namespace === obj.metadata.namespace ? [{ kind: 'engine', key }] : [];
    }
    if (!needsWork(ref, obj)) return [];
    return [{ kind: 'mirror', ref, namespace: obj.metadata.namespace!, name: obj.metadata.name! }];
  }

  protected async reconcile(work: Work): Promise<ReconcileResult | void> {
    switch (work.kind) {
      case 'app':
        return this.reconcileApp();
      case 'engine':
        // Without a session the event is moot: the next full sync covers it.
        if (this.session) await ENGINE_SYNC[work.key.kind](this.session.ctx, work.key.id);
        return;
      case 'mirror':
        return this.reconcileMirror(work.ref, work.namespace, work.name);
    }
  }

  private async reconcileApp(): Promise<ReconcileResult | void> {
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
    await ensureApiNamespace(client, namespace);

    if (!wanted || engine !== 'moby') {
      // The user stopped the engine or switched away from moby: only now do the mirrors go.
      this.closeSession();
      this.lostReason = undefined;
      this.hung = undefined;
      await removeAllMirrors(client, namespace);
      if (wanted) {
        await this.setReady('True', 'NotApplicable', `the ${engine} engine is not mirrored; only moby is`, generation);
      } else {
        await this.setReady('False', 'Stopped', 'the container engine is stopped', generation);
      }
      return;
    }

    const running = findCondition(app.status?.conditions, RUNNING);
    if (running?.status !== 'True') {
      // Wanted but down (starting, restarting after a crash, given up): the mirrors stay, with their
      // uids, and intent written meanwhile is carried out after the reconnect.
      this.closeSession();
      // The driver knows the engine is down: what it says replaces our word that the engine hung.
      this.hung = undefined;
      const waiting = running ? `${running.reason}: ${running.message}` : 'not started yet';
      if (this.lostReason) await this.setReady('False', 'ConnectFailed', `${this.lostReason}; waiting for the engine (${waiting})`, generation);
      else await this.setReady('False', 'Stopped', `waiting for the engine to start (${waiting})`, generation);
      return;
    }

    if (!this.session && this.hung) {
      // Said first: a ping of a hung engine takes its whole timeout.
      await this.setReady('False', ENGINE_NOT_RESPONDING, this.hung, generation);
      if (await pingFailure(this.deps.paths.dockerSocket)) return { requeueAfterMs: PING_INTERVAL_MS };
      this.log.info('the engine answers again; reconnecting and resyncing the mirrors');
      this.hung = undefined;
    }
    if (this.session) {
      await ensureMobyNamespace(client, namespace);
      await this.setReady('True', 'Connected', this.connectedMessage(this.session), generation);
    } else {
      await this.startSession(namespace, generation);
    }
    // No early return after a (re)start: work queued during the gap is picked up now.
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
        enqueue: (key) => this.queue.add({ kind: 'engine', key }),
        events: this.events,
        onContainerRemoved: () => this.retryBlockedDeletions(),
        mayExist: (ref, name) => this.mirrors.get(ref)?.get(name, namespace) !== undefined,
        onDeath: (s, err) => this.onSessionDeath(s, err),
      });
      this.session = session;
      const result = await session.start();
      this.log.info('full sync done', { ...result, apiVersion: session.apiVersion });
      const app = await this.deps.client.find<AppObject>(APP, APP_NAME);
      if (app) this.events.record(app, 'Normal', 'Synced', `full sync of the moby engine: ${result.applied} mirrors written, ${result.pruned} pruned, ${result.failed} failed`);
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
    if (err instanceof EngineNotResponding) {
      this.hung = err.message;
      this.log.warn('the engine does not answer; waiting for it, mirrors kept', { error: err });
    } else {
      this.lostReason = err.message;
      this.log.warn('engine watcher died; reconnecting', { error: err });
    }
    this.queue.retry(APP_WORK);
  }

  /** Deletions the engine refused while a container held the object: the holder may just have gone. */
  private retryBlockedDeletions(): void {
    for (const ref of [IMAGE, VOLUME]) {
      for (const obj of this.mirrors.get(ref)?.list() ?? []) {
        if (isBeingDeleted(obj)) this.queue.retry({ kind: 'mirror', ref, namespace: obj.metadata.namespace!, name: obj.metadata.name! });
      }
    }
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
        for (const obj of list.items) if (needsWork(ref, obj)) this.queue.add({ kind: 'mirror', ref, namespace, name: obj.metadata.name! });
      }),
    );
    const errors = settled.flatMap((s, n) => (s.status === 'rejected' ? [new Error(`cannot list ${MIRROR_KINDS[n].kind} mirrors`, { cause: s.reason })] : []));
    if (errors.length > 0) throw new AggregateError(errors, `scanning for pending mirror work failed: ${errors.map((e) => e.message).join('; ')}`);
    this.scanPending = false;
  }

  private async reconcileMirror(ref: ResourceRef, namespace: string, name: string): Promise<void> {
    const session = this.session;
    // Disconnected: the scan after the next (re)start picks this up.
    if (!session || session.ctx.namespace !== namespace) return;
    const obj = await this.deps.client.find(ref, name, namespace);
    if (!obj) return;
    if (isBeingDeleted(obj)) await finalizeMirror(session.ctx, ref, obj);
    else if (ref === CONTAINER) {
      const stopTimeout = this.deps.stopTimeoutSeconds ?? 10;
      await driveContainerState(session.ctx, obj, stopTimeout);
      // After spec.state (re-read: its status write may be newer), so an action written after a spec.state change wins.
      if (pendingAction(obj)) await carryOutAction(session.ctx, (await this.deps.client.find(ref, name, namespace)) ?? obj, stopTimeout);
    }
  }

  private async setReady(status: 'True' | 'False', reason: string, message: string, generation: number): Promise<void> {
    const app = this.app.get();
    const previous = findCondition(app?.status?.conditions, CONTAINER_ENGINE_READY);
    if (app && previous?.reason !== reason) {
      const warning = status === 'False' && (reason === 'ConnectFailed' || reason === ENGINE_NOT_RESPONDING);
      this.events.record(app, warning ? 'Warning' : 'Normal', `ContainerEngine${reason}`, message);
    }
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
