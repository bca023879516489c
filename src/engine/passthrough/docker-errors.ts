import { PassthroughError } from '../kube/passthrough.js';

function statusCode(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

function message(err: unknown): string {
  const json = (err as { json?: { message?: string } } | null)?.json;
  return json?.message ?? (err instanceof Error ? err.message : String(err));
}

/** Wording for the API of a Docker call that failed before any stream began. */
export function fromDocker(err: unknown, container: string): PassthroughError {
  if (err instanceof PassthroughError) return err;
  switch (statusCode(err)) {
    case 404:
      return new PassthroughError(404, 'NotFound', `container "${container}" not found`, { cause: err });
    case 409:
      return new PassthroughError(409, 'Conflict', message(err), { cause: err });
    case undefined: {
      const code = (err as NodeJS.ErrnoException | null)?.code;
      if (code === 'ENOENT' || code === 'ECONNREFUSED') {
        return new PassthroughError(503, 'ServiceUnavailable', 'the container engine is not running', { cause: err });
      }
      break;
    }
  }
  return new PassthroughError(500, 'InternalError', `Internal error occurred: ${message(err)}`, { cause: err });
}
