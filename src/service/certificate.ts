import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import * as der from './der.js';

/**
 * X.509 v3 certificates with ECDSA P-256 keys and SHA-256 signatures, built
 * with node:crypto and a few DER encoders. An X.509 library costs a CLI call
 * over 0.5 s just to import (docs/performance.md); the API server's CA and
 * serving certificate need only this much of one.
 */

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

/** RFC 5280 §4.2.1.3 bit positions. */
export const KeyUsage = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

export interface CertificateRequest {
  subjectCn: string;
  /** The subject's public key. */
  publicKey: KeyObject;
  /** Self-signed when absent. */
  issuer?: { cn: string; keyId: Buffer; privateKey: KeyObject };
  /** Signs a self-signed certificate. */
  privateKey?: KeyObject;
  notBefore: Date;
  notAfter: Date;
  /** A CA that may sign end-entity certificates only (pathLen 0). */
  ca: boolean;
  keyUsage: readonly number[];
  serverAuth?: boolean;
  /** IP addresses and DNS names. */
  altNames?: readonly string[];
}

export interface Certificate {
  der: Buffer;
  /** Its subject key identifier, for the authority key identifier of what it signs. */
  keyId: Buffer;
}

const algorithm = der.sequence(der.oid(OID.ecdsaWithSha256));
const name = (cn: string) => der.sequence(der.set(der.sequence(der.oid(OID.commonName), der.utf8String(cn))));

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return der.sequence(der.oid(id), ...(critical ? [der.boolean(true)] : []), der.octetString(value));
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) !== 4) throw new Error(`only IPv4 subject alternative names are supported, not ${ip}`);
  return Buffer.from(ip.split('.').map(Number));
}

function altName(entry: string): Buffer {
  return isIP(entry) ? der.implicit(7, ipBytes(entry)) : der.implicit(2, Buffer.from(entry, 'ascii'));
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. The SPKI of an EC key ends with them. */
function keyIdentifier(spki: Buffer): Buffer {
  // SubjectPublicKeyInfo ::= SEQUENCE { algorithm, BIT STRING }; a P-256 point is 65 bytes after the unused-bits byte.
  return createHash('sha1').update(spki.subarray(spki.length - 65)).digest();
}

/** A positive 128-bit serial number (RFC 5280 allows up to 20 octets). */
function serial(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  bytes[0] |= 0x01; // never a leading zero byte, so every serial is 16 octets
  return bytes;
}

export function issueCertificate(req: CertificateRequest): Certificate {
  const signingKey = req.issuer?.privateKey ?? req.privateKey;
  if (!signingKey) throw new Error('a self-signed certificate needs its privateKey');
  const spki = req.publicKey.export({ type: 'spki', format: 'der' });
  const keyId = keyIdentifier(spki);
  const extensions = [
    extension(OID.basicConstraints, true, req.ca ? der.sequence(der.boolean(true), der.integer(0)) : der.sequence()),
    extension(OID.keyUsage, true, der.namedBits(req.keyUsage)),
    ...(req.serverAuth ? [extension(OID.extKeyUsage, false, der.sequence(der.oid(OID.serverAuth)))] : []),
    ...(req.altNames?.length ? [extension(OID.subjectAltName, false, der.sequence(...req.altNames.map(altName)))] : []),
    extension(OID.subjectKeyIdentifier, false, der.octetString(keyId)),
    ...(req.issuer ? [extension(OID.authorityKeyIdentifier, false, der.sequence(der.implicit(0, req.issuer.keyId)))] : []),
  ];
  const tbs = der.sequence(
    der.explicit(0, der.integer(2)), // v3
    der.unsignedInteger(serial()),
    algorithm,
    name(req.issuer?.cn ?? req.subjectCn),
    der.sequence(der.time(req.notBefore), der.time(req.notAfter)),
    name(req.subjectCn),
    spki,
    der.explicit(3, der.sequence(...extensions)),
  );
  // ECDSA signatures come DER-encoded (Ecdsa-Sig-Value), as X.509 wants them.
  const signature = sign('sha256', tbs, signingKey);
  return { der: der.sequence(tbs, algorithm, der.bitString(signature)), keyId };
}

export function pem(label: string, bytes: Buffer): string {
  const lines = bytes.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
