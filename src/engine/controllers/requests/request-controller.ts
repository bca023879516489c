import { AppSource } from '../app-source.js';
import type Docker from 'dockerode';
import { CONTAINER_ENGINE_READY, type AppObject } from '../../kube/app.js';
import { isNotFound } from '../../kube/client.js';
import { findCondition } from '../../kube/conditions.js';
import { DEFAULT_API_NAMESPACE } from '../../kube/containers.js';
import { Informer } from '../../kube/informer.js';
import type { ResourceRef } from '../../kube/resources.js';
import type { Logger } from '../../base/log.js';
import { defaultBackoff, type BackoffFn } from '../../base/backoff.js';
import type { Controller, ControllerDeps, ReconcileResult } from '../controller.js';
import { WorkQueue } from '../work-queue.js';
import { connectDocker } from '../mirror/docker-client.js';
import { COMPLETE, DEFAULT_TTL_SECONDS, FAILED, finishedCondition, REQUEST_KINDS, type RequestObject } from './kinds.js';
import { RequestFailure } from './outcome.js';
import type { PendingRequests } from './pending.js';
import { PERFORM, type PerformContext } from './perform.js';
import { ProgressWriter } from './progress-writer.js';
import { finishRequest, patchRequestStatus } from './status.js';

export interface RequestControllerDeps extends ControllerDeps {
  backoff?: BackoffFn;
  /** The daemon's shared App informer; a controller without one watches the App itself. */
  app?: Informer<AppObject>;
  /** Fed by this controller's informers, read by the request admission hooks. */
  pending?: PendingRequests;
}

/** One request to carry out or expire. */
interface Work {
  ref: ResourceRef;
  namespace: string;
  name: string;
}

/** Where the engine is, when it is connected and mirrored. */
function connectedNamespace(app: AppObject | undefined): string | undefined {
  const ready = findCondition(app?.status?.conditions, CONTAINER_ENGINE_READY);
  if (ready?.status !== 'True' || ready.reason !== 'Connected') return undefined;
  return app?.spec?.namespace ?? DEFAULT_API_NAMESPACE;
}

/**
 * The request controller: carries out VolumeCreate, ImagePull, ImageTag and
 * ContainerCreate requests in the engine once each, while the engine
 * controller reports the engine connected, and deletes finished requests when
 * their TTL runs out. The mirrors of what a request produced appear through
 * the engine controller's event sync, as for anything `docker` does.
 */
class RequestController implements Controller {
  readonly name = 'request-controller';
  private readonly log: Logger;
  private readonly queue: WorkQueue<Work>;
  private readonly app: AppSource;
  private readonly informers = new Map<ResourceRef, Informer<RequestObject>>();
  private docker?: Docker;

  constructor(private readonly deps: RequestControllerDeps) {
    this.log = deps.log.child(this.name);
    const backoff = deps.backoff ?? defaultBackoff;
    this.queue = new WorkQueue<Work>({
      name: this.name,
      log: this.log,
      backoff,
      concurrency: 4,
      idOf: (w) => `${w.ref.kind} ${w.namespace}/${w.name}`,
      reconcile: (w) => this.reconcile(w),
    });
    this.app = new AppSource(deps.client, deps.app, this.log, backoff);
    for (const ref of REQUEST_KINDS) {
      const informer = new Informer<RequestObject>(deps.client, ref, { log: this.log, backoff });
      informer.on((type, obj) => {
        if (type === 'DELETED') return;
        const work = { ref, namespace: obj.metadata.namespace!, name: obj.metadata.name! };
        // A new request is new input; a status write (ours) must not cut a backoff short.
        if (type === 'ADDED') this.queue.retry(work);
        else this.queue.add(work);
      });
      deps.pending?.attach(ref, informer);
      this.informers.set(ref, informer);
    }
  }

  async start(): Promise<void> {
    this.app.on(() => {
      if (connectedNamespace(this.app.get()) === undefined) {
        this.docker = undefined;
        return;
      }
      // Requests made while the engine was away are carried out now.
      for (const [ref, informer] of this.informers) {
        for (const obj of informer.list()) {
          if (!finishedCondition(obj)) this.queue.add({ ref, namespace: obj.metadata.namespace!, name: obj.metadata.name! });
        }
      }
    });
    await Promise.all([this.app.start(), ...[...this.informers.values()].map((i) => i.start())]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.app, ...this.informers.values()].map((i) => i.stop()));
    await this.queue.stop();
  }

  private async reconcile({ ref, namespace, name }: Work): Promise<ReconcileResult | void> {
    const { client } = this.deps;
    const obj = await client.find<RequestObject>(ref, name, namespace);
    if (!obj) return;
    const finished = finishedCondition(obj);
    if (finished) return this.expire(ref, obj, obj.status?.completionTime ?? finished.lastTransitionTime);

    const engineNamespace = connectedNamespace(this.app.get());
    // Not connected: the App's next change to connected enqueues every pending request.
    if (engineNamespace === undefined) return;
    if (namespace !== engineNamespace) {
      const message = `requests are carried out only in the App's namespace ${engineNamespace}`;
      return finishRequest(client, ref, obj, { type: FAILED, reason: 'WrongNamespace', message });
    }

    const docker = await this.engine();
    const progress = new ProgressWriter((p) => patchRequestStatus(client, ref, obj, { phase: 'Pulling', progress: p }), this.log);
    const ctx: PerformContext = { docker, uid: obj.metadata.uid!, onPullProgress: (p) => progress.push(p) };
    try {
      const outcome = await PERFORM[ref.kind](ctx, (obj.spec ?? {}) as never);
      await progress.flush();
      await finishRequest(client, ref, obj, { type: COMPLETE, reason: 'Succeeded', ...outcome });
      this.log.info(`${ref.kind} ${namespace}/${name} complete`, { result: outcome.result });
    } catch (err) {
      await progress.flush();
      if (!(err instanceof RequestFailure)) {
        // The engine may have gone away mid-call: reconnect on the next attempt.
        this.docker = undefined;
        throw new Error(`${ref.kind} ${namespace}/${name}: ${(err as Error).message}`, { cause: err });
      }
      await finishRequest(client, ref, obj, { type: FAILED, reason: err.reason, message: err.message, result: err.result });
      this.log.info(`${ref.kind} ${namespace}/${name} failed`, { reason: err.reason, message: err.message });
    }
  }

  /** Deletes a finished request whose TTL ran out, or comes back when it will have. */
  private async expire(ref: ResourceRef, obj: RequestObject, finishedAt: string): Promise<ReconcileResult | void> {
    const ttl = obj.spec?.ttlSecondsAfterFinished ?? DEFAULT_TTL_SECONDS;
    const remaining = Date.parse(finishedAt) + ttl * 1000 - Date.now();
    if (remaining > 0) return { requeueAfterMs: remaining };
    try {
      await this.deps.client.delete(ref, obj.metadata.name!, { namespace: obj.metadata.namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async engine(): Promise<Docker> {
    this.docker ??= (await connectDocker(this.deps.paths.dockerSocket)).docker;
    return this.docker;
  }
}

export function createRequestController(deps: RequestControllerDeps): Controller {
  return new RequestController(deps);
}
