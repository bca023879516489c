import { createPrivateKey, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateTlsMaterial } from '../../../../src/engine/service/credentials.js';

describe('generateTlsMaterial', () => {
  it('issues a CA and a server certificate for 127.0.0.1 and localhost that Node (OpenSSL) verifies', async () => {
    const tls = await generateTlsMaterial();
    const ca = new X509Certificate(tls.caCert);
    const server = new X509Certificate(tls.cert);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe('CN=rdd-ca');
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.subject).toBe('CN=rdd-apiserver');
    expect(server.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost');
    expect(server.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(server.checkPrivateKey(createPrivateKey(tls.key))).toBe(true);
    // Ten years.
    expect(new Date(server.validTo).getTime() - Date.now()).toBeGreaterThan(9 * 365 * 24 * 3600 * 1000);
  });

  it('gives each certificate its own positive 128-bit serial', async () => {
    const a = new X509Certificate((await generateTlsMaterial()).cert);
    const b = new X509Certificate((await generateTlsMaterial()).cert);
    expect(a.serialNumber).toMatch(/^[0-7][0-9A-F]{31}$/);
    expect(a.serialNumber).not.toBe(b.serialNumber);
  });
});
