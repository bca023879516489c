import { describe, expect, it } from 'vitest';
import { createRedactor, isSecretName, REDACTED, secretEnvValues } from '../../../../src/engine/support/redact.js';

describe('redaction', () => {
  const redact = createRedactor();

  it.each([
    ['kubeconfig token', 'users:\n  - user:\n      token: abcdef123456\n', 'abcdef123456'],
    ['client key data', '      client-key-data: LS0tLS1CRUdJTi\n', 'LS0tLS1CRUdJTi'],
    ['JSON secret key', '{"apiToken": "s3cr3t-value", "name": "x"}', 's3cr3t-value'],
    ['env entry', 'HOME=/root GITHUB_TOKEN=ghp_abcdef123 PATH=/bin', 'ghp_abcdef123'],
    ['logfmt field', 'level=info db_password=hunter2hunter2 msg=ok', 'hunter2hunter2'],
    ['CLI flag', 'dockerd --tlskey /etc/x.pem --token=qwertyuiop', 'qwertyuiop'],
    ['Authorization header', 'Authorization: Bearer eyJhbGciOiJSUzI1NiJ9', 'eyJhbGciOiJSUzI1NiJ9'],
    ['private key', 'a\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI\n-----END EC PRIVATE KEY-----\nb', 'MHcCAQEEI'],
  ])('masks a %s', (_what, input, secret) => {
    const out = redact(input);
    expect(out).not.toContain(secret);
    expect(out).toContain(REDACTED);
  });

  it('keeps JSON valid and leaves ordinary fields alone', () => {
    const out = redact(JSON.stringify({ SECRET_KEY: 'abc123456', image: 'busybox', authority: 'x' }));
    expect(JSON.parse(out)).toEqual({ SECRET_KEY: REDACTED, image: 'busybox', authority: 'x' });
  });

  it('masks known secrets wherever they appear, longest first', () => {
    const r = createRedactor();
    r.addSecrets(['planted-token-123', 'planted-token-123-long', 'abc', undefined]);
    expect(r('msg="saw planted-token-123-long and planted-token-123" n=abc')).toBe(
      `msg="saw ${REDACTED} and ${REDACTED}" n=abc`,
    );
  });

  it('picks secret-looking env values', () => {
    expect(secretEnvValues(['A_TOKEN=t1', 'PATH=/bin', 'DB_PASSWORD=p1', 'KEYRING='])).toEqual(['t1', 'p1']);
    expect(secretEnvValues({ AWS_SECRET_ACCESS_KEY: 'k', USER: 'me' })).toEqual(['k']);
    expect(isSecretName('certificate-authority-data')).toBe(false);
  });
});
