import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CONTAINER, CONTAINERS_GROUP, VOLUME } from '../../../../src/engine/kube/resources.js';
import { MIRROR_FINALIZER } from '../../../../src/engine/kube/containers.js';
import { rawRequest } from '../../../support/apiserver.js';
import { NS, startConnectedHarness, WAIT, type MirrorHarness } from '../controllers/mirror/harness.js';
import { KUBECTL } from './fixtures.js';

/*
 * Issue 21's guardrails, proven with the three third-party clients (kubectl
 * 1.32, python3-kubernetes, @kubernetes/client-node) against the real API
 * server, the engine controller and a real dockerd: no ordinary request may
 * destroy or falsify the engine's state, and the last kube behaviours those
 * clients rely on are there.
 */

let h: MirrorHarness;
let web: string[];
let loner: string;
let engineBefore: string;

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../../conformance/python_client.py', import.meta.url));

const kubectl = (...args: string[]) =>
  execa(KUBECTL, ['--kubeconfig', h.api.kubeconfigPath, '--cache-dir', path.join(h.api.dir, 'kube-cache'), ...args], {
    reject: false,
    timeout: 60_000,
    env: { HOME: h.api.dir },
  });

/** Every container, image and volume of the engine, for "nothing was removed". */
async function engineInventory(): Promise<string> {
  const [containers, images, volumes] = await Promise.all([
    h.docker('ps', '-aq', '--no-trunc'),
    h.docker('images', '-q', '--no-trunc'),
    h.docker('volume', 'ls', '-q'),
  ]);
  return [containers, images, volumes].map((s) => s.split('\n').sort().join(' ')).join(' | ');
}

const containerPath = (name = '') => `/apis/${CONTAINERS_GROUP}/v1alpha1/namespaces/${NS}/containers${name ? `/${name}` : ''}`;

beforeAll(async () => {
  h = await startConnectedHarness({}, { timeout: 120_000, interval: 250 });
  web = [];
  for (const n of [1, 2]) {
    web.push(await h.docker('run', '-d', '--name', `web-${n}`, '-l', 'com.docker.compose.project=web', '-l', 'org.opencontainers.image.source=https://example.org/x', 'busybox', 'sleep', '3600'));
  }
  loner = await h.docker('create', '--name', 'loner', 'busybox', 'true');
  await h.docker('volume', 'create', 'keep-me');
  await vi.waitFor(async () => {
    const mirrors = (await h.client.list(CONTAINER, { namespace: NS })).items;
    expect(mirrors.map((m) => m.metadata.name).sort()).toEqual([...web, loner].sort());
    expect((await h.client.list(VOLUME, { namespace: NS })).items).toHaveLength(1);
  }, WAIT);
  engineBefore = await engineInventory();
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

describe('kubectl', () => {
  it('cannot delete the mirrors\' namespace nor kube\'s own; the engine keeps every container, image and volume', async () => {
    const mirrors = await kubectl('delete', 'namespace', NS, '--wait=false');
    expect(mirrors.exitCode).not.toBe(0);
    expect(mirrors.stderr).toContain(`namespaces "${NS}" is forbidden: this namespace may not be deleted`);
    for (const ns of ['default', 'kube-system', 'kube-public']) {
      const res = await kubectl('delete', 'namespace', ns, '--wait=false');
      expect(res.stderr).toContain(`namespaces "${ns}" is forbidden: this namespace may not be deleted`);
    }
    const created = await kubectl('create', 'configmap', 'still-here', '-n', 'default');
    expect(created.exitCode, created.stderr).toBe(0);
    expect((await kubectl('get', 'namespace', NS, '-o', 'jsonpath={.status.phase}')).stdout).toBe('Active');
    expect(await engineInventory()).toBe(engineBefore);
  });

  it('cannot remove a mirror\'s finalizer or write its status; the refusal names spec.state', async () => {
    const id = web[0];
    const finalizer = await kubectl('patch', 'ctr', id, '-n', NS, '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]');
    expect(finalizer.exitCode).not.toBe(0);
    expect(finalizer.stderr).toContain(`the finalizer ${MIRROR_FINALIZER} is written by the engine only; you may change spec.state`);
    for (const manager of [[], ['--field-manager=rdd-engine-controller']]) {
      const status = await kubectl('patch', 'ctr', id, '-n', NS, '--subresource=status', '--type=merge', '-p', '{"status":{"name":"x"}}', ...manager);
      expect(status.exitCode).not.toBe(0);
      expect(status.stderr).toMatch(/Forbidden.*(status is written by the engine only; you may change spec.state|rdd-engine-controller is the engine controller's own)/);
    }
    const mirror = await h.client.get(CONTAINER, id, NS);
    expect(mirror.status?.name).toBe('web-1');
    expect(mirror.metadata.finalizers).toEqual([MIRROR_FINALIZER]);
  });

  it('refuses impersonation instead of ignoring it', async () => {
    const res = await kubectl('--as=bob', 'get', 'namespaces');
    expect(res.exitCode).not.toBe(0);
    expect(res.stderr).toContain('impersonation is not supported: rdd has one user');
  });

  it('selects mirrors by their Docker labels server-side', async () => {
    const res = await kubectl('get', 'ctr', '-n', NS, '-l', 'com.docker.compose.project=web', '-o', 'jsonpath={.items[*].metadata.name}');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout.split(' ').sort()).toEqual([...web].sort());
    const labels = (await h.client.get(CONTAINER, web[0], NS)).metadata.labels;
    // A value that is no Kubernetes label value stays in status.labels only.
    expect(labels).toEqual({ 'com.docker.compose.project': 'web' });
  });

  it('explains the core kinds and prints kube\'s columns for them', async () => {
    for (const [field, text] of [
      ['namespace.spec', 'finalizers'],
      ['namespace.status', 'phase'],
      ['configmap.data', 'configuration data'],
      ['secret.type', 'programmatic handling'],
      ['service.spec.ports', 'port'],
      ['lease.spec', 'holderIdentity'],
      ['event.involvedObject', 'name'],
    ]) {
      const res = await kubectl('explain', field);
      expect(res.exitCode, `${field}: ${res.stderr}`).toBe(0);
      expect(res.stdout).toContain(text);
    }
    await kubectl('create', 'configmap', 'cols', '-n', 'default', '--from-literal=a=1', '--from-literal=b=2');
    await kubectl('create', 'secret', 'generic', 'cols', '-n', 'default', '--from-literal=a=1');
    await kubectl('create', 'service', 'clusterip', 'cols', '-n', 'default', '--tcp=80:8080', '--tcp=443:8443');
    await h.client.request('POST', '/api/v1/namespaces/default/events', {
      body: { apiVersion: 'v1', kind: 'Event', metadata: { name: 'cols' }, involvedObject: { kind: 'Container', name: 'web-1', namespace: NS }, reason: 'Tested', message: 'hi', type: 'Normal' },
    });
    const cm = await kubectl('get', 'configmap', 'cols', '-n', 'default');
    expect(cm.stdout).toMatch(/NAME\s+DATA\s+AGE\ncols\s+2\s/);
    const secret = await kubectl('get', 'secret', 'cols', '-n', 'default');
    expect(secret.stdout).toMatch(/NAME\s+TYPE\s+DATA\s+AGE\ncols\s+Opaque\s+1\s/);
    const svc = await kubectl('get', 'service', 'cols', '-n', 'default');
    expect(svc.stdout).toMatch(/PORT\(S\)/);
    expect(svc.stdout).toContain('80/TCP,443/TCP');
    const events = await kubectl('get', 'events', '-n', 'default', '--field-selector=reason=Tested');
    expect(events.stdout).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\n\S+\s+Normal\s+Tested\s+container\/web-1\s+hi$/);
  });

  it('names the kind, not the plural, when a mirror write is invalid', async () => {
    const res = await kubectl('patch', 'ctr', web[0], '-n', NS, '--type=merge', '-p', '{"spec":{"state":"exploded"}}');
    expect(res.exitCode).not.toBe(0);
    expect(res.stderr).toContain(`The Container "${web[0]}" is invalid`);
  });

  it('deletes engine objects one kind at a time, which stays possible', async () => {
    const res = await kubectl('delete', 'volumes', '--all', '-n', NS);
    expect(res.exitCode, res.stderr).toBe(0);
    await vi.waitFor(async () => expect(await h.docker('volume', 'ls', '-q')).toBe(''), WAIT);
    // Only the volume went.
    expect((await engineInventory()).split(' | ').slice(0, 2)).toEqual(engineBefore.split(' | ').slice(0, 2));
    await h.docker('volume', 'create', 'keep-me');
    await vi.waitFor(async () => expect((await h.client.list(VOLUME, { namespace: NS })).items).toHaveLength(1), WAIT);
    engineBefore = await engineInventory();
  });
});

describe('raw HTTP as client-go sends it', () => {
  const get = (p: string, accept: string) => rawRequest(h.api, 'GET', p, { headers: { Accept: accept } });

  it('serves PartialObjectMetadata for get, list and watch', async () => {
    const list = await get(containerPath(), 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json');
    expect(list.status).toBe(200);
    const body = list.json as { kind: string; apiVersion: string; items: { kind: string; metadata: { name: string }; status?: unknown }[] };
    expect(body).toMatchObject({ kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1' });
    expect(body.items.map((i) => i.kind)).toEqual(body.items.map(() => 'PartialObjectMetadata'));
    expect(body.items.every((i) => i.status === undefined)).toBe(true);
    const one = await get(containerPath(loner), 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io');
    expect(one.json).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name: loner } });
    const watch = await get(`${containerPath()}?watch=true&timeoutSeconds=1`, 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io');
    const events = watch.text.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { kind: string; spec?: unknown } });
    expect(events.length).toBe(3);
    expect(events.every((e) => e.type === 'ADDED' && e.object.kind === 'PartialObjectMetadata' && e.object.spec === undefined)).toBe(true);
  });

  it('answers 406 to an Accept it cannot satisfy, and serves discovery v2beta1', async () => {
    expect((await get(containerPath(), 'application/vnd.kubernetes.protobuf')).json).toMatchObject({ code: 406, reason: 'NotAcceptable' });
    expect((await get(containerPath(), 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io')).status).toBe(406);
    expect((await get('/apis', 'application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList')).status).toBe(406);
    const beta = await get('/apis', 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList');
    expect(beta.status).toBe(200);
    expect(beta.json).toMatchObject({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2beta1' });
  });

  it('serves /openapi/v2 from the same schemas as v3', async () => {
    const v2 = await get('/openapi/v2', 'application/json');
    const doc = v2.json as { swagger: string; definitions: Record<string, { properties?: Record<string, unknown> }>; paths: Record<string, unknown> };
    expect(doc.swagger).toBe('2.0');
    expect(Object.keys(doc.definitions['io.k8s.api.core.v1.Namespace'].properties ?? {})).toEqual(expect.arrayContaining(['spec', 'status']));
    expect(doc.definitions['io.rancherdesktop.containers.v1alpha1.Container']).toBeDefined();
    expect(doc.paths[`/apis/${CONTAINERS_GROUP}/v1alpha1/namespaces/{namespace}/containers`]).toBeDefined();
    const v3 = (await get('/openapi/v3/api/v1', 'application/json')).json as { components: { schemas: Record<string, unknown> } };
    const asV3 = JSON.stringify(doc.definitions['io.k8s.api.core.v1.ConfigMap']).replaceAll('#/definitions/', '#/components/schemas/');
    expect(asV3).toBe(JSON.stringify(v3.components.schemas['io.k8s.api.core.v1.ConfigMap']));
  });

  it('does not echo a 2 MiB label value in its error', async () => {
    const big = 'a'.repeat(2 * 1024 * 1024);
    const res = await rawRequest(h.api, 'PATCH', '/api/v1/namespaces/default/configmaps/still-here', {
      body: JSON.stringify({ metadata: { labels: { big } } }),
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    expect(res.status).toBe(422);
    expect(res.text.length).toBeLessThan(2000);
    expect(res.json).toMatchObject({ message: expect.stringContaining('metadata.labels: Too long: may not be more than 63 bytes') });
  });

  it('answers plain HTTP on the TLS port with 400, as kube does', async () => {
    const { port } = new URL(h.api.server.url);
    const answer = await new Promise<{ status?: number; text: string }>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/api' }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode, text }));
      }).on('error', reject);
    });
    expect(answer).toEqual({ status: 400, text: 'Client sent an HTTP request to an HTTPS server.\n' });
  });
});

describe('@kubernetes/client-node', () => {
  const clients = () => {
    const kc = new KubeConfig();
    kc.loadFromFile(h.api.kubeconfigPath);
    return { core: kc.makeApiClient(CoreV1Api), custom: kc.makeApiClient(CustomObjectsApi) };
  };
  const mirror = { group: CONTAINERS_GROUP, version: 'v1alpha1', namespace: NS, plural: 'containers' };

  it('cannot delete the mirrors\' namespace or default', async () => {
    const { core } = clients();
    for (const name of [NS, 'default']) {
      await expect(core.deleteNamespace({ name })).rejects.toMatchObject({ code: 403, body: expect.stringContaining('this namespace may not be deleted') });
    }
    expect(await engineInventory()).toBe(engineBefore);
  });

  it('cannot remove a finalizer or write a status; selects by Docker label', async () => {
    const { custom } = clients();
    await expect(
      custom.patchNamespacedCustomObject({ ...mirror, name: web[1], body: [{ op: 'remove', path: '/metadata/finalizers' }] }),
    ).rejects.toMatchObject({ code: 403 });
    await expect(custom.patchNamespacedCustomObjectStatus({ ...mirror, name: web[1], body: [{ op: 'replace', path: '/status/name', value: 'x' }] })).rejects.toMatchObject({
      code: 403,
      body: expect.stringContaining('spec.state'),
    });
    const selected = (await custom.listNamespacedCustomObject({ ...mirror, labelSelector: 'com.docker.compose.project=web' })) as { items: { metadata: { name: string } }[] };
    expect(selected.items.map((i) => i.metadata.name).sort()).toEqual([...web].sort());
  });
});

describe('python3-kubernetes', () => {
  it('passes every guardrail check', async () => {
    const res = await execa(PYTHON, [SCRIPT, h.api.kubeconfigPath, 'guardrails'], { reject: false, timeout: 120_000, env: { HOME: h.api.dir } });
    const lines = res.stdout.split('\n').filter(Boolean);
    expect(lines.filter((l) => !l.startsWith('ok ')), res.stdout + res.stderr).toEqual([]);
    expect(lines.length).toBeGreaterThanOrEqual(6);
    expect(res.exitCode).toBe(0);
    expect(await engineInventory()).toBe(engineBefore);
  });
});
