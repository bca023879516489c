import { dockerMessage, dockerStatus } from '../mirror/docker-client.js';
import type { RequestResult } from './kinds.js';

/**
 * The engine refused the request (a registry error, a name in use, an image
 * that is not there): the request ends Failed with this reason and the
 * engine's words. Anything else (the socket gone, a timeout) is retried.
 */
export class RequestFailure extends Error {
  constructor(
    readonly reason: string,
    message: string,
    /** What the request produced before it failed (a container created but not started). */
    readonly result?: RequestResult,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RequestFailure';
  }
}

/** An engine error as the request's outcome: an HTTP error answer becomes a RequestFailure with `reason`; anything else stays. */
export function refusal(reason: string, err: unknown, result?: RequestResult): unknown {
  if (err instanceof RequestFailure || dockerStatus(err) === undefined) return err;
  return new RequestFailure(reason, dockerMessage(err), result, { cause: err });
}

/** Runs an engine call, turning the engine's refusal into a RequestFailure with `reason`. */
export async function refusedAs<T>(reason: string, call: () => Promise<T>, result?: RequestResult): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw refusal(reason, err, result);
  }
}
