import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildKubeconfig, generateTlsMaterial, generateToken } from '../../../../src/engine/service/credentials.js';

function get(host: string, port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get({ host, port, ca, path: '/' }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

describe('credentials', () => {
  it('issues a server certificate trusted through the CA for 127.0.0.1 and localhost', async () => {
    const tls = await generateTlsMaterial();
    const server = https.createServer({ cert: tls.cert, key: tls.key }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await get('127.0.0.1', port, tls.caCert)).toBe('ok');
      expect(await get('localhost', port, tls.caCert)).toBe('ok');
      const other = await generateTlsMaterial();
      await expect(get('127.0.0.1', port, other.caCert)).rejects.toThrow();
    } finally {
      server.close();
    }
  });

  it('generates distinct URL-safe tokens', () => {
    const a = generateToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateToken()).not.toBe(a);
  });

  it('builds a kubeconfig whose names match and embeds the CA', () => {
    const cfg = parse(buildKubeconfig({ server: 'https://127.0.0.1:1', caCert: 'PEM', token: 't', name: 'rdd-2' }));
    expect(cfg['current-context']).toBe('rdd-2');
    expect(cfg.contexts[0].context).toEqual({ cluster: 'rdd-2', user: 'rdd-2' });
    expect(Buffer.from(cfg.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toBe('PEM');
    expect(cfg.users[0].user.token).toBe('t');
  });
});
