import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import type { TlsMaterial } from '../kube/tls.js';
import { issueCertificate, KeyUsage, pem } from './certificate.js';

const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

/** A fresh CA and a server certificate it signed, valid for 127.0.0.1 and localhost; ECDSA P-256 keys. */
export async function generateTlsMaterial(): Promise<TlsMaterial> {
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + TEN_YEARS_MS);
  const caKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ca = issueCertificate({
    subjectCn: 'rdd-ca',
    publicKey: caKeys.publicKey,
    privateKey: caKeys.privateKey,
    notBefore,
    notAfter,
    ca: true,
    keyUsage: [KeyUsage.keyCertSign, KeyUsage.cRLSign],
  });
  const serverKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const server = issueCertificate({
    subjectCn: 'rdd-apiserver',
    publicKey: serverKeys.publicKey,
    issuer: { cn: 'rdd-ca', keyId: ca.keyId, privateKey: caKeys.privateKey },
    notBefore,
    notAfter,
    ca: false,
    keyUsage: [KeyUsage.digitalSignature, KeyUsage.keyEncipherment],
    serverAuth: true,
    altNames: ['127.0.0.1', 'localhost'],
  });
  return {
    caCert: pem('CERTIFICATE', ca.der),
    cert: pem('CERTIFICATE', server.der),
    key: serverKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
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
