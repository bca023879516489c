import { describe, expect, it } from 'vitest';
import { rawRequest } from '../../../support/apiserver.js';
import { kubectlFor, serverForFile } from './fixtures.js';

const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const server = serverForFile();
const kubectl = kubectlFor(server);

interface DiscoveryList {
  kind: string;
  items: { metadata: { name?: string }; versions: { version: string; resources: { resource: string; scope: string; verbs: string[]; subresources?: unknown[] }[] }[] }[];
}

describe('aggregated discovery', () => {
  it('answers /apis and /api in apidiscovery.k8s.io/v2 when asked, legacy otherwise', async () => {
    const apis = await rawRequest(server(), 'GET', '/apis', { headers: { Accept: `${AGGREGATED},application/json` } });
    expect(apis.headers['content-type']).toBe(AGGREGATED);
    const list = apis.json as DiscoveryList;
    expect(list.kind).toBe('APIGroupDiscoveryList');
    const widgets = list.items.find((g) => g.metadata.name === 'test.rdd.io')?.versions[0].resources.find((r) => r.resource === 'widgets');
    expect(widgets).toMatchObject({ scope: 'Namespaced', verbs: expect.arrayContaining(['watch']) });
    const core = (await rawRequest(server(), 'GET', '/api', { headers: { Accept: AGGREGATED } })).json as DiscoveryList;
    expect(core.items).toHaveLength(1);
    expect(core.items[0].versions[0].resources.map((r) => r.resource)).toEqual(expect.arrayContaining(['namespaces', 'configmaps', 'events']));
    const legacy = await rawRequest(server(), 'GET', '/apis');
    expect((legacy.json as { kind: string }).kind).toBe('APIGroupList');
  });

  it('lets kubectl discover everything in one round trip per root', async () => {
    const res = await kubectl('get', 'widgets', '-v=6');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/GET https:\/\/[^ ]+\/apis\?timeout=\S+ 200 OK/);
    expect(res.stderr).not.toMatch(/GET https:\/\/[^ ]+\/apis\/test\.rdd\.io\/v1\?timeout/);
  });
});

describe('OpenAPI v3', () => {
  it('describes ObjectMeta, so kubectl explain reaches metadata fields', async () => {
    const labels = await kubectl('explain', 'widgets.metadata.labels');
    expect(labels.exitCode, labels.stderr).toBe(0);
    expect(labels.stdout).toContain('FIELD: labels <map[string]string>');
    const owners = await kubectl('explain', 'configmaps.metadata.ownerReferences.uid');
    expect(owners.exitCode, owners.stderr).toBe(0);
    expect(owners.stdout).toContain('UID of the referent');
  });
});
