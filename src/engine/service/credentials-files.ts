import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TlsMaterial } from '../kube/tls.js';
import type { InstancePaths } from '../base/paths.js';
import { RddError } from '../base/errors.js';
import { writePrivateFile } from './private-file.js';

/** The API server's TLS material and bearer token, as kept in `<service dir>/tls/`. */
export interface ServiceCredentials {
  tls: TlsMaterial;
  token: string;
}

const FILES = { caCert: 'ca.crt', cert: 'server.crt', key: 'server.key', token: 'token' } as const;

function file(paths: Pick<InstancePaths, 'tlsDir'>, name: keyof typeof FILES): string {
  return path.join(paths.tlsDir, FILES[name]);
}

function readOptional(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RddError(`cannot read ${p}`, { cause: err });
  }
}

export function readTlsMaterial(paths: Pick<InstancePaths, 'tlsDir'>): TlsMaterial | undefined {
  const caCert = readOptional(file(paths, 'caCert'));
  const cert = readOptional(file(paths, 'cert'));
  const key = readOptional(file(paths, 'key'));
  return caCert && cert && key ? { caCert, cert, key } : undefined;
}

export function readToken(paths: Pick<InstancePaths, 'tlsDir'>): string | undefined {
  return readOptional(file(paths, 'token'))?.trim() || undefined;
}

export function writeTlsMaterial(paths: Pick<InstancePaths, 'tlsDir'>, tls: TlsMaterial): void {
  writePrivateFile(file(paths, 'caCert'), tls.caCert);
  writePrivateFile(file(paths, 'cert'), tls.cert);
  writePrivateFile(file(paths, 'key'), tls.key);
}

export function writeToken(paths: Pick<InstancePaths, 'tlsDir'>, token: string): void {
  writePrivateFile(file(paths, 'token'), token + '\n');
}

/** Both, or a clear error naming what is missing and how to get it back. */
export function readServiceCredentials(paths: Pick<InstancePaths, 'tlsDir' | 'instance'>): ServiceCredentials {
  const tls = readTlsMaterial(paths);
  const token = readToken(paths);
  if (!tls || !token) {
    throw new RddError(`service for instance ${paths.instance} has no TLS material or token in ${paths.tlsDir}`, {
      suggestion: 'run `rdd svc create` (or `rdd svc start`)',
    });
  }
  return { tls, token };
}
