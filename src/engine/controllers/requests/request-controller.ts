import type Docker from 'dockerode';
import { CONTAINER_ENGINE_READY, type AppObject } from '../../kube/app.js';
import { isNotFound } from '../../kube/client.js';
import { findCondition } from '../../kube/conditions.js';
import { DEFAULT_API_NAMESPACE } from '../../kube/containers.js';
import { Informer } from '../../kube/informer.js';
import type { ResourceRef } from '../../kube/resources.js';
import type { Controller, ControllerDeps, ReconcileResult } from '../controller.js';
import { newInput } from '../predicates.js';
import { QueueController, type QueueControllerDeps } from '../queue-controller.js';
import { connectDocker } from '../mirror/docker-client.js';
import { COMPLETE, DEFAULT_TTL_SECONDS, FAILED, finishedCondition, REQUEST_KINDS, type RequestObject } from './kinds.js';
import { RequestFailure } from './outcome.js';
import type { PendingRequests } from './pending.js';
import { PERFORM, type PerformContext } from './perform.js';
import { ProgressWriter } from './progress-writer.js';
import { finishRequest, patchRequestStatus } from './status.js';

export interface RequestControllerDeps extends ControllerDeps, QueueControllerDeps {
  /** Fed by this controller's informers, read by the request admission hooks. */
  pending?: PendingRequests;
}

/** One request to carry out or expire. */
interface Work {
  ref: ResourceRef;
  namespace: string;
  name: string;
}

function workOf(ref: ResourceRef, obj: RequestObject): Work {
  return { ref, namespace: obj.metadata.namespace!, name: obj.metadata.name! };
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
class RequestController extends QueueController<Work> {
  private readonly informers = new Map<ResourceRef, Informer<RequestObject>>();
  private docker?: Docker;

  constructor(private readonly deps: RequestControllerDeps) {
    super('request-controller', deps, { concurrency: 4, idOf: (w) => `${w.ref.kind} ${w.namespace}/${w.name}` });
    // The engine coming (back) is new input: requests made while it was away are carried out now.
    this.watch(this.app, { keysOf: () => this.unfinished(), isNewInput: newInput({ conditions: [CONTAINER_ENGINE_READY] }) });
    for (const ref of REQUEST_KINDS) {
      const informer = new Informer<RequestObject>(deps.client, ref, { log: this.log, backoff: deps.backoff });
      // A new request is new input; a status write (ours) must not cut a backoff short.
      this.watch(informer, { keysOf: (type, obj) => (type === 'DELETED' ? [] : [workOf(ref, obj)]), isNewInput: newInput() });
      deps.pending?.attach(ref, informer);
      this.informers.set(ref, informer);
    }
  }

  /** Every unfinished request, while the engine is connected. */
  private unfinished(): Work[] {
    if (connectedNamespace(this.app.get()) === undefined) return [];
    return [...this.informers].flatMap(([ref, informer]) => informer.list().flatMap((obj) => (finishedCondition(obj) ? [] : [workOf(ref, obj)])));
  }

  protected async reconcile({ ref, namespace, name }: Work): Promise<ReconcileResult | void> {
    const { client } = this.deps;
    const obj = await client.find<RequestObject>(ref, name, namespace);
    if (!obj) return;
    const finished = finishedCondition(obj);
    if (finished) return this.expire(ref, obj, obj.status?.completionTime ?? finished.lastTransitionTime);

    const engineNamespace = connectedNamespace(this.app.get());
    if (engineNamespace === undefined) {
      // Not connected: the App's next change to connected enqueues every pending request, on a new connection.
      this.docker = undefined;
      return;
    }
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
