import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { issueCertificate, KeyUsage, pem } from '../../../src/service/certificate.js';
import * as der from '../../../src/service/der.js';
import { generateTlsMaterial } from '../../../src/service/credentials.js';

describe('der', () => {
  it('encodes lengths, integers, OIDs, named bits and times as X.690 DER', () => {
    expect(der.tlv(0x04, Buffer.alloc(200)).subarray(0, 3)).toEqual(Buffer.from([0x04, 0x81, 200]));
    expect(der.tlv(0x04, Buffer.alloc(300)).subarray(0, 4)).toEqual(Buffer.from([0x04, 0x82, 0x01, 0x2c]));
    expect(der.integer(0)).toEqual(Buffer.from([0x02, 1, 0]));
    expect(der.integer(128)).toEqual(Buffer.from([0x02, 2, 0, 0x80]));
    expect(der.unsignedInteger(Buffer.from([0, 0, 0x7f]))).toEqual(Buffer.from([0x02, 1, 0x7f]));
    expect(der.oid('1.2.840.10045.4.3.2')).toEqual(Buffer.from('06082a8648ce3d040302', 'hex'));
    expect(der.namedBits([KeyUsage.keyCertSign, KeyUsage.cRLSign])).toEqual(Buffer.from([0x03, 2, 1, 0x06]));
    expect(der.namedBits([KeyUsage.digitalSignature, KeyUsage.keyEncipherment])).toEqual(Buffer.from([0x03, 2, 5, 0xa0]));
    expect(der.time(new Date('2036-01-02T03:04:05.678Z')).toString('latin1')).toBe('\x17\x0d360102030405Z');
    expect(der.time(new Date('2050-01-02T03:04:05Z')).toString('latin1')).toBe('\x18\x0f20500102030405Z');
  });
});

describe('issueCertificate', () => {
  it('issues a CA and a server certificate that Node (OpenSSL) parses and verifies', () => {
    const caKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const notBefore = new Date('2026-01-01T00:00:00Z');
    const notAfter = new Date('2060-01-01T00:00:00Z');
    const caDer = issueCertificate({
      subjectCn: 'test-ca', publicKey: caKeys.publicKey, privateKey: caKeys.privateKey, notBefore, notAfter, ca: true,
      keyUsage: [KeyUsage.keyCertSign, KeyUsage.cRLSign],
    });
    const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const leafDer = issueCertificate({
      subjectCn: 'leaf', publicKey: keys.publicKey, issuer: { cn: 'test-ca', keyId: caDer.keyId, privateKey: caKeys.privateKey },
      notBefore, notAfter, ca: false, keyUsage: [KeyUsage.digitalSignature], serverAuth: true, altNames: ['10.1.2.3', 'example.test'],
    });
    const ca = new X509Certificate(pem('CERTIFICATE', caDer.der));
    const leaf = new X509Certificate(leafDer.der);
    expect(ca.ca).toBe(true);
    expect(ca.verify(caKeys.publicKey)).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(caKeys.publicKey)).toBe(true);
    expect(leaf.verify(keys.publicKey)).toBe(false);
    expect(leaf.subject).toBe('CN=leaf');
    expect(leaf.issuer).toBe('CN=test-ca');
    expect(leaf.subjectAltName).toBe('IP Address:10.1.2.3, DNS:example.test');
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(new Date(leaf.validFrom).toISOString()).toBe(notBefore.toISOString());
    expect(new Date(leaf.validTo).toISOString()).toBe(notAfter.toISOString());
    expect(leaf.publicKey.equals(keys.publicKey)).toBe(true);
  });

  it('gives each certificate its own positive 128-bit serial', async () => {
    const a = new X509Certificate((await generateTlsMaterial()).cert);
    const b = new X509Certificate((await generateTlsMaterial()).cert);
    expect(a.serialNumber).toMatch(/^[0-7][0-9A-F]{31}$/);
    expect(a.serialNumber).not.toBe(b.serialNumber);
  });
});
