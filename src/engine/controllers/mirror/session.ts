import type { KubeClient } from '../../kube/client.js';
import type { Logger } from '../../base/log.js';
import { SerialLock } from '../../base/serial-lock.js';
import { connectDocker } from './docker-client.js';
import { fullSync, type FullSyncHooks, type FullSyncResult } from './full-sync.js';
import { ensureMobyNamespace } from './namespaces.js';
import { routeEvent, type DockerEvent, type EngineKey } from './routing.js';
import type { MirrorContext } from './session-context.js';
import { EngineNotResponding, LivenessProbe } from './liveness.js';
import { EventStream, engineNow } from './watcher.js';

export interface EngineHooks extends FullSyncHooks {
  /**
   * Test seam for fault injection through a real path (docs/testing.md): runs inside the event handler
   * before routing; throwing there kills the watcher like a handler bug would.
   */
  onEvent?(event: DockerEvent): void;
}

export interface EngineSessionOptions {
  client: KubeClient;
  socketPath: string;
  namespace: string;
  log: Logger;
  enqueue(key: EngineKey): void;
  events: MirrorContext['events'];
  mayExist: MirrorContext['mayExist'];
  /** A container was removed: whatever it held (images, volumes) may be removable now. */
  onContainerRemoved(): void;
  /**
   * The watcher died (stream error, engine gone, handler threw) or the engine stopped answering
   * (EngineNotResponding); called once, and not after close().
   */
  onDeath(session: EngineSession, err: Error): void;
  hooks?: EngineHooks;
}

/**
 * One connection to the engine: negotiate the API, read the engine clock,
 * full sync, then stream events from that clock reading so nothing that
 * happened during the sync is lost. Events only enqueue keys. While it
 * streams, a liveness probe pings the engine: a hung engine keeps its
 * socket and stream open, and only an unanswered ping shows it.
 */
export class EngineSession {
  readonly ctx: MirrorContext;
  private stream?: EventStream;
  private probe?: LivenessProbe;
  private dead = false;

  private constructor(
    private readonly opts: EngineSessionOptions,
    ctx: MirrorContext,
    readonly apiVersion: string,
  ) {
    this.ctx = ctx;
  }

  static async connect(opts: EngineSessionOptions): Promise<EngineSession> {
    const { docker, apiVersion } = await connectDocker(opts.socketPath);
    const ctx: MirrorContext = {
      client: opts.client,
      docker,
      namespace: opts.namespace,
      log: opts.log,
      enqueue: opts.enqueue,
      imageLock: new SerialLock(),
      mayExist: opts.mayExist,
      events: opts.events,
    };
    return new EngineSession(opts, ctx, apiVersion);
  }

  async start(): Promise<FullSyncResult> {
    const since = await engineNow(this.ctx.docker);
    await ensureMobyNamespace(this.opts.client, this.opts.namespace);
    const result = await fullSync(this.ctx, this.opts.hooks);
    this.stream = new EventStream({
      docker: this.ctx.docker,
      since,
      log: this.opts.log,
      onEvent: (event) => this.onEvent(event),
      onDeath: (err) => this.die(err),
    });
    await this.stream.open();
    const { socketPath } = this.opts;
    this.probe = new LivenessProbe({ socketPath, onFailure: (why) => this.die(new EngineNotResponding(socketPath, why)) });
    this.probe.start();
    return result;
  }

  close(): void {
    this.dead = true;
    this.probe?.stop();
    this.stream?.close();
  }

  private die(err: Error): void {
    if (this.dead) return;
    this.close();
    this.opts.onDeath(this, err);
  }

  private onEvent(event: DockerEvent): void {
    this.opts.hooks?.onEvent?.(event);
    const key = routeEvent(event);
    if (key) this.opts.enqueue(key);
    if (event.Type === 'container' && event.Action === 'destroy') this.opts.onContainerRemoved();
  }
}
