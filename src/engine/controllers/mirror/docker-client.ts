import type Docker from 'dockerode';
import { loadDockerode } from '../../vm/dockerode.js';

/** The newest Engine API this code was written against (dockerd 20.10). */
export const CLIENT_API_VERSION = '1.41';

function compareVersions(a: string, b: string): number {
  const [aMajor, aMinor] = a.split('.').map(Number);
  const [bMajor, bMinor] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

/**
 * Picks the API version both sides speak (docs/design-rules.md#docker-api-negotiated): the lower of the server's
 * and ours, refusing a server whose minimum is above ours.
 */
export function negotiateApiVersion(server: { ApiVersion?: string; MinAPIVersion?: string }): string {
  const serverMax = server.ApiVersion;
  if (!serverMax) return CLIENT_API_VERSION;
  if (server.MinAPIVersion && compareVersions(server.MinAPIVersion, CLIENT_API_VERSION) > 0) {
    throw new Error(`the engine requires Docker API ${server.MinAPIVersion} or newer; rdd speaks up to ${CLIENT_API_VERSION}`);
  }
  return compareVersions(serverMax, CLIENT_API_VERSION) < 0 ? serverMax : CLIENT_API_VERSION;
}

/**
 * A dockerode client on the instance's engine socket with the API version
 * negotiated: `/version` is asked unversioned, then every call is pinned.
 */
export async function connectDocker(socketPath: string, timeoutMs = 5000): Promise<{ docker: Docker; apiVersion: string }> {
  const Docker = await loadDockerode();
  const probe = new Docker({ socketPath, timeout: timeoutMs });
  let version: { ApiVersion?: string; MinAPIVersion?: string };
  try {
    version = await probe.version();
  } catch (err) {
    throw new Error(`cannot reach the Docker engine at ${socketPath}: ${(err as Error).message}`, { cause: err });
  }
  const apiVersion = negotiateApiVersion(version);
  return { docker: new Docker({ socketPath, version: `v${apiVersion}` }), apiVersion };
}

/** docker-modem errors carry the HTTP status as `statusCode`. */
export function dockerStatus(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

export const isDockerNotFound = (err: unknown): boolean => dockerStatus(err) === 404;
export const isDockerConflict = (err: unknown): boolean => dockerStatus(err) === 409;

/** Docker's error text without docker-modem's "(HTTP code 409) conflict - " prefix. */
export function dockerMessage(err: unknown): string {
  const json = (err as { json?: { message?: string } } | null)?.json;
  return json?.message ?? (err instanceof Error ? err.message : String(err));
}
