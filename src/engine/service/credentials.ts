import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import type { TlsMaterial } from '../kube/tls.js';

/** A fresh CA and a server certificate it signed, valid for 127.0.0.1 and localhost; ECDSA P-256 keys. */
export async function generateTlsMaterial(): Promise<TlsMaterial> {
  const { issueTlsMaterial } = await import('./certificates.js');
  return issueTlsMaterial();
}

/** A random bearer token (256 bits, URL-safe). */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A kubeconfig whose cluster, user and context are all called `name`. */
export function buildKubeconfig(input: { server: string; caCert: string; token: string; name: string }): string {
  const { server, caCert, token, name } = input;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority-data': Buffer.from(caCert).toString('base64') } }],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
    preferences: {},
  });
}
