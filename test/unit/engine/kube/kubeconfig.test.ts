import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadKubeconfig } from '../../../../src/engine/kube/kubeconfig.js';
import { buildKubeconfig } from '../../../../src/engine/service/credentials.js';

describe('loadKubeconfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rdd-kubeconfig-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (content: string) => {
    const file = path.join(dir, 'config');
    writeFileSync(file, content);
    return file;
  };

  it('reads the server, CA and token of the kubeconfig rdd writes', () => {
    const file = write(buildKubeconfig({ server: 'https://127.0.0.1:6443', caCert: 'PEM', token: 'secret', name: 'rdd' }));
    const access = loadKubeconfig(file);
    expect(access).toMatchObject({ server: 'https://127.0.0.1:6443', token: 'secret' });
    expect(access.ca?.toString()).toBe('PEM');
    expect(access.cert).toBeUndefined();
  });

  it('follows the current context and reads file references relative to the kubeconfig', () => {
    writeFileSync(path.join(dir, 'ca.crt'), 'CA');
    writeFileSync(path.join(dir, 'token'), 'from-file\n');
    const file = write(
      stringify({
        'current-context': 'b',
        contexts: [
          { name: 'a', context: { cluster: 'one', user: 'u1' } },
          { name: 'b', context: { cluster: 'two', user: 'u2' } },
        ],
        clusters: [
          { name: 'one', cluster: { server: 'https://one' } },
          { name: 'two', cluster: { server: 'https://two', 'certificate-authority': 'ca.crt', 'insecure-skip-tls-verify': true } },
        ],
        users: [
          { name: 'u1', user: { token: 'wrong' } },
          { name: 'u2', user: { tokenFile: 'token' } },
        ],
      }),
    );
    const access = loadKubeconfig(file);
    expect(access.server).toBe('https://two');
    expect(access.ca?.toString()).toBe('CA');
    expect(access.token).toBe('from-file');
    expect(access.insecureSkipTlsVerify).toBe(true);
  });

  it.each([
    ['no current-context', stringify({ contexts: [] }), /has no current-context/],
    ['a missing context', stringify({ 'current-context': 'x', contexts: [] }), /no context named "x"/],
    ['a cluster without server', stringify({ 'current-context': 'x', contexts: [{ name: 'x', context: { cluster: 'c' } }], clusters: [{ name: 'c', cluster: {} }] }), /cluster "c" has no server/],
    ['broken YAML', 'a: [', /cannot read kubeconfig/],
  ])('names the problem for %s', (_what, content, message) => {
    expect(() => loadKubeconfig(write(content))).toThrow(message);
  });

  it('names a missing file', () => {
    expect(() => loadKubeconfig(path.join(dir, 'nope'))).toThrow(/cannot read kubeconfig .*nope/);
  });
});
