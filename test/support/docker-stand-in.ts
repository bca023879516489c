/**
 * A plain-data stand-in for the part of dockerode the mirror's per-object
 * work calls (getContainer / getImage / getVolume and their inspect, start,
 * stop, pause, unpause, remove), for unit tests that must decide what the
 * engine answers. Every call is recorded; an answer is a configured inspect
 * result or a configured error shaped as docker-modem throws it.
 */
import type Docker from 'dockerode';

export type DockerKind = 'container' | 'image' | 'volume';
export type DockerOp = 'inspect' | 'start' | 'stop' | 'pause' | 'unpause' | 'remove';

/** docker-modem's error: the HTTP status as `statusCode`, the engine's words in `json.message`. */
export function dockerError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message} `), { statusCode, json: { message } });
}

export interface DockerStandIn {
  /** What the code under test calls. */
  docker: Docker;
  /** Each call as "kind name op", then its options as JSON when it was given any. */
  calls: string[];
  /** What `inspect` of "kind name" answers; an object not listed is a 404. */
  inspect(kind: DockerKind, name: string, result: unknown): void;
  /** The error "kind name op" throws. */
  fail(kind: DockerKind, name: string, op: DockerOp, err: Error): void;
}

export function dockerStandIn(): DockerStandIn {
  const calls: string[] = [];
  const inspects = new Map<string, unknown>();
  const failures = new Map<string, Error>();
  const handle = (kind: DockerKind, name: string) => {
    const call =
      (op: DockerOp) =>
      async (options?: unknown): Promise<unknown> => {
        calls.push(`${kind} ${name} ${op}${options === undefined ? '' : ` ${JSON.stringify(options)}`}`);
        const failure = failures.get(`${kind} ${name} ${op}`);
        if (failure) throw failure;
        if (op !== 'inspect') return undefined;
        if (!inspects.has(`${kind} ${name}`)) throw dockerError(404, `No such ${kind}: ${name}`);
        return inspects.get(`${kind} ${name}`);
      };
    return { inspect: call('inspect'), start: call('start'), stop: call('stop'), pause: call('pause'), unpause: call('unpause'), remove: call('remove') };
  };
  const docker = {
    getContainer: (name: string) => handle('container', name),
    getImage: (name: string) => handle('image', name),
    getVolume: (name: string) => handle('volume', name),
  } as unknown as Docker;
  return {
    docker,
    calls,
    inspect: (kind, name, result) => void inspects.set(`${kind} ${name}`, result),
    fail: (kind, name, op, err) => void failures.set(`${kind} ${name} ${op}`, err),
  };
}
