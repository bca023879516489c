/**
 * The mirror's per-object work (spec.state, finalizers) against the real
 * in-process API server with the mirror admission hooks, and a Docker
 * stand-in for the engine: what a unit test of one mirror handler needs.
 * The handlers write through the daemon's in-process client, as the engine
 * controller does (the guardrails refuse mirror status writes over HTTPS);
 * a test acts as a user through the HTTPS client.
 */
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { vi } from 'vitest';
import { mirrorAdmission } from '../../src/engine/controllers/mirror/mirror-admission.js';
import type { MirrorContext } from '../../src/engine/controllers/mirror/session-context.js';
import { ENGINE_CONTROLLER_MANAGER } from '../../src/engine/kube/app.js';
import type { KubeClient } from '../../src/engine/kube/client.js';
import { DEFAULT_API_NAMESPACE, MIRROR_FINALIZER } from '../../src/engine/kube/containers.js';
import { EVENT, EventRecorder } from '../../src/engine/kube/events.js';
import { CONTAINER, NAMESPACE, apiVersionOf, type ResourceRef } from '../../src/engine/kube/resources.js';
import type { KubeObject } from '../../src/engine/kube/types.js';
import type { AdmissionHook } from '../../src/engine/kube/admission.js';
import { createLogger, type Logger } from '../../src/engine/base/log.js';
import { SerialLock } from '../../src/engine/base/serial-lock.js';
import { startTestApiServer, type TestApiServer } from './apiserver.js';
import { dockerStandIn, type DockerStandIn } from './docker-stand-in.js';

export const NS = DEFAULT_API_NAMESPACE;

/** One handler call's world: its context, the engine it sees, what it logged and recorded. */
export interface MirrorCall {
  ctx: MirrorContext;
  engine: DockerStandIn;
  /** The patches ctx.client sent, as "type" or "type subresource". */
  writes(): string[];
  /** Every log line, debug and up. */
  logs: string[];
  /** The events this call recorded about the object named `name`, once every write has landed: "type reason message". */
  events(name: string): Promise<string[]>;
}

export interface MirrorFixture {
  api: TestApiServer;
  /** The daemon's in-process client: creates mirrors and writes their status, as the engine controller does. */
  local: KubeClient;
  /** A fresh context and engine stand-in for one test. */
  call(): MirrorCall;
  /** A new mirror as the engine controller creates it (finalizer, status in the same write); a Container gets spec.state unknown. */
  createMirror(ref: ResourceRef, status: Record<string, unknown>): Promise<KubeObject>;
  /** The mirror as the API serves it now, undefined once it is gone. */
  find(ref: ResourceRef, name: string): Promise<KubeObject | undefined>;
  stop(): Promise<void>;
}

export interface MirrorContextParts {
  client: KubeClient;
  docker: Docker;
  log: Logger;
  events: EventRecorder;
  namespace?: string;
}

/**
 * A handler's context as the engine controller builds it. The handlers under
 * test write their mirrors themselves, so a key they queue is a failure.
 */
export function mirrorContext({ client, docker, log, events, namespace = NS }: MirrorContextParts): MirrorContext {
  return {
    client,
    docker,
    namespace,
    log,
    events,
    enqueue: (key) => {
      throw new Error(`unexpected enqueue of ${JSON.stringify(key)}`);
    },
    imageLock: new SerialLock(),
    mayExist: () => true,
  };
}

/** `admission`: hooks run after the mirror's own (a test's refusals, say). */
export async function startMirrorFixture(opts: { admission?: AdmissionHook[] } = {}): Promise<MirrorFixture> {
  const api = await startTestApiServer({ admission: [...mirrorAdmission, ...(opts.admission ?? [])] });
  const local = api.server.localClient();
  try {
    await local.create(NAMESPACE, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }, { fieldManager: ENGINE_CONTROLLER_MANAGER });
  } catch (err) {
    await api.stop();
    throw err;
  }
  return {
    api,
    local,
    call() {
      const logs: string[] = [];
      const instance = `test-mirror-${randomBytes(4).toString('hex')}`;
      const recorder = new EventRecorder(local, { component: 'test-mirror', instance, onError: (err) => logs.push(`event write failed: ${String(err)}`) });
      const engine = dockerStandIn();
      const client = api.server.localClient();
      const patch = vi.spyOn(client, 'patch');
      const writes = () => patch.mock.calls.map(([, , , opts]) => [opts.type, opts.subresource].filter(Boolean).join(' '));
      const ctx = mirrorContext({ client, docker: engine.docker, log: createLogger({ level: 'debug', write: (line) => logs.push(line) }), events: recorder });
      const events = async (name: string) => {
        await recorder.flush();
        const list = await local.list(EVENT, { namespace: NS, fieldSelector: `involvedObject.name=${name}` });
        return list.items.filter((e) => e.reportingInstance === instance).map((e) => `${String(e.type)} ${String(e.reason)} ${String(e.message)}`);
      };
      return { ctx, engine, writes, logs, events };
    },
    async createMirror(ref, status) {
      const name = randomBytes(32).toString('hex');
      return local.create(
        ref,
        {
          apiVersion: apiVersionOf(ref),
          kind: ref.kind,
          metadata: { name, namespace: NS, finalizers: [MIRROR_FINALIZER] },
          ...(ref === CONTAINER ? { spec: { state: 'unknown' } } : {}),
          status,
        },
        { namespace: NS, fieldManager: ENGINE_CONTROLLER_MANAGER, withStatus: true },
      );
    },
    find: (ref, name) => local.find(ref, name, NS),
    stop: () => api.stop(),
  };
}
