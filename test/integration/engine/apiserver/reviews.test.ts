import { describe, expect, it } from 'vitest';
import { rawRequest } from '../../../support/apiserver.js';
import { kubectlFor, serverForFile } from './fixtures.js';

const server = serverForFile();
const kubectl = kubectlFor(server);

describe('authorization and authentication reviews', () => {
  it('kubectl auth can-i says yes to the token holder', async () => {
    const res = await kubectl('auth', 'can-i', 'create', 'widgets');
    expect(res.stdout.trim(), res.stderr).toBe('yes');
    expect(res.exitCode).toBe(0);
    const ns = await kubectl('auth', 'can-i', 'delete', 'namespaces', '--all-namespaces');
    expect(ns.stdout.trim()).toBe('yes');
  });

  it('kubectl auth can-i --list lists the wildcard rule', async () => {
    const res = await kubectl('auth', 'can-i', '--list');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/\*\.\*\s+\[\]\s+\[\]\s+\[\*\]/);
  });

  it('kubectl auth whoami names the token user', async () => {
    const res = await kubectl('auth', 'whoami', '-o', 'json');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ kind: 'SelfSubjectReview', status: { userInfo: { username: 'rdd' } } });
  });

  it('serves reviews create-only, in discovery, and refuses a malformed one', async () => {
    const discovery = await rawRequest(server(), 'GET', '/apis/authorization.k8s.io/v1');
    expect(discovery.json).toMatchObject({ resources: [{ name: 'selfsubjectaccessreviews', verbs: ['create'] }, { name: 'selfsubjectrulesreviews' }] });
    const bad = await rawRequest(server(), 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: {} }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(bad.status).toBe(422);
    expect((await rawRequest(server(), 'GET', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')).status).toBe(405);
  });
});
