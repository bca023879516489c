import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject, Status } from '../../../../src/engine/kube/types.js';
import { rawRequest, startTestApiServer, type TestApiServer } from '../../../support/apiserver.js';
import { TEST_CRDS, kubectlFor } from './fixtures.js';

let ts: TestApiServer;
const json = { 'Content-Type': 'application/json' };

beforeAll(async () => {
  ts = await startTestApiServer({ crdDir: TEST_CRDS });
});
afterAll(async () => {
  await ts?.stop();
});

const kubectl = kubectlFor(() => ts);

const post = (p: string, body: unknown) => rawRequest(ts, 'POST', p, { body: JSON.stringify(body), headers: json });

describe('core kinds', () => {
  it('kubectl creates, lists and reads ConfigMaps and Secrets', async () => {
    const cm = await kubectl('create', 'configmap', 'settings', '--from-literal=mode=fast');
    expect(cm.exitCode, cm.stderr).toBe(0);
    const secret = await kubectl('create', 'secret', 'generic', 'creds', '--from-literal=password=hunter2');
    expect(secret.exitCode, secret.stderr).toBe(0);
    const got = await kubectl('get', 'secret', 'creds', '-o', 'jsonpath={.data.password}');
    expect(Buffer.from(got.stdout, 'base64').toString()).toBe('hunter2');
    const list = await kubectl('get', 'cm,secrets');
    expect(list.exitCode, list.stderr).toBe(0);
    expect(list.stdout).toContain('configmap/settings');
    expect(list.stdout, list.stdout).toMatch(/secret\/creds\s+Opaque/);
  });

  it('server-side applies a ConfigMap with kubectl and selects it by label', async () => {
    const file = path.join(ts.dir, 'cm.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  labels: {app: x}\ndata:\n  k: v\n');
    const res = await kubectl('apply', '--server-side', '-f', file);
    expect(res.exitCode, res.stderr).toBe(0);
    const sel = await kubectl('get', 'cm', '-l', 'app=x', '-o', 'name');
    expect(sel.stdout.trim()).toBe('configmap/applied');
  });

  it('folds stringData into base64 data and refuses data that is not base64', async () => {
    const res = await post('/api/v1/namespaces/default/secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's1' },
      data: { a: Buffer.from('x').toString('base64') },
      stringData: { b: 'plain' },
    });
    expect(res.status, res.text).toBe(201);
    const s = res.json as KubeObject;
    expect(s.data).toEqual({ a: 'eA==', b: Buffer.from('plain').toString('base64') });
    expect(s.stringData).toBeUndefined();
    expect(s.type).toBe('Opaque');
    const bad = await post('/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's2' }, data: { a: 'not base64!' } });
    expect(bad.status).toBe(422);
  });

  it('keeps immutable ConfigMaps and Secrets unchanged', async () => {
    await post('/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'frozen' }, data: { a: '1' }, immutable: true });
    const res = await rawRequest(ts, 'PATCH', '/api/v1/namespaces/default/configmaps/frozen', {
      body: JSON.stringify({ data: { a: '2' } }),
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    expect(res.status).toBe(422);
    expect((res.json as Status).message).toContain('field is immutable when `immutable` is set');
    const labels = await rawRequest(ts, 'PATCH', '/api/v1/namespaces/default/configmaps/frozen', {
      body: JSON.stringify({ metadata: { labels: { ok: 'yes' } } }),
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    expect(labels.status).toBe(200);
  });

  it('stores Leases for leader election', async () => {
    const res = await post('/apis/coordination.k8s.io/v1/namespaces/default/leases', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'leader' },
      spec: { holderIdentity: 'me', leaseDurationSeconds: 15, renewTime: '2026-01-01T00:00:00.000000Z' },
    });
    expect(res.status, res.text).toBe(201);
    const get = await kubectl('get', 'leases');
    expect(get.stdout).toMatch(/leader\s+me/);
  });

  it('stores Services, and kubectl cluster-info exits 0', async () => {
    const res = await post('/api/v1/namespaces/default/services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { ports: [{ port: 80 }], selector: { app: 'web' } },
    });
    expect(res.status, res.text).toBe(201);
    expect((res.json as KubeObject).spec).toMatchObject({ type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP' }] });
    const info = await kubectl('cluster-info');
    expect(info.exitCode, info.stderr).toBe(0);
    expect(info.stdout).toContain('is running at');
    const svc = await kubectl('get', 'svc');
    expect(svc.stdout).toMatch(/web\s+ClusterIP/);
    const created = await kubectl('create', 'service', 'clusterip', 'api', '--tcp=80:8080');
    expect(created.exitCode, created.stderr).toBe(0);
    const api = await kubectl('get', 'svc', 'api', '-o', 'json');
    expect(JSON.parse(api.stdout)).toMatchObject({
      spec: { type: 'ClusterIP', selector: { app: 'api' }, ports: [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }] },
    });
  });
});
