import { describe, expect, it } from 'vitest';
import { createRedactor, isSecretName, REDACTED, redactObjects, secretEnvValues } from '../../../../src/engine/support/redact.js';

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

describe('redactObjects', () => {
  it('keeps the keys of a Secret and replaces its values, in a list whose items do not say their kind too', () => {
    const secret = { metadata: { name: 's' }, type: 'Opaque', data: { dbpass: 'aHVudGVyMg==' }, stringData: { raw: 'hunter2' } };
    expect(redactObjects({ kind: 'SecretList', items: [secret] })).toEqual({
      kind: 'SecretList',
      items: [{ ...secret, data: { dbpass: REDACTED }, stringData: { raw: REDACTED } }],
    });
  });

  it('replaces what is under a secret-looking key in any kind, and in the last-applied copy', () => {
    const applied = JSON.stringify({ kind: 'ConfigMap', data: { apiToken: 'abc123456', plain: 'ok' } });
    const cm = {
      kind: 'ConfigMap',
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': applied } },
      data: { apiToken: 'abc123456', plain: 'ok' },
      spec: { auth: { user: 'u', pw: 'p' } },
    };
    const out = redactObjects(cm) as typeof cm;
    expect(out.data).toEqual({ apiToken: REDACTED, plain: 'ok' });
    expect(out.spec.auth).toBe(REDACTED);
    expect(JSON.parse(out.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'])).toMatchObject({ data: { apiToken: REDACTED, plain: 'ok' } });
  });

  it("replaces a Secret's last-applied copy whole", () => {
    const s = { kind: 'Secret', metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"stringData":{"k":"v"}}' } } };
    expect((redactObjects(s) as typeof s).metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toBe(REDACTED);
  });
});
