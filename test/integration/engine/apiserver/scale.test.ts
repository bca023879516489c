import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CRD, type ResourceRef } from '../../../../src/engine/kube/resources.js';
import type { KubeObject } from '../../../../src/engine/kube/types.js';
import { rawRequest, startTestApiServer, type TestApiServer } from '../../../support/apiserver.js';
import { TEST_CRDS, kubectlFor } from './fixtures.js';

const SCALER: ResourceRef = { group: 'test.rdd.io', version: 'v1', plural: 'scalers', kind: 'Scaler', namespaced: true };
const scalePath = '/apis/test.rdd.io/v1/namespaces/default/scalers/s1/scale';
let ts: TestApiServer;

beforeAll(async () => {
  ts = await startTestApiServer({ crdDir: TEST_CRDS });
  await ts.client.create(CRD, {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'scalers.test.rdd.io' },
    spec: {
      group: 'test.rdd.io',
      scope: 'Namespaced',
      names: { kind: 'Scaler', plural: 'scalers' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { replicas: { type: 'integer' } } }, status: { type: 'object', properties: { replicas: { type: 'integer' }, selector: { type: 'string' } } } } } },
        },
      ],
    },
  });
  await vi.waitFor(async () => expect((await rawRequest(ts, 'GET', '/apis/test.rdd.io/v1/namespaces/default/scalers')).status).toBe(200));
  await ts.client.create(SCALER, { apiVersion: 'test.rdd.io/v1', kind: 'Scaler', metadata: { name: 's1', namespace: 'default' }, spec: { replicas: 1 } });
});
afterAll(async () => {
  await ts?.stop();
});

const kubectl = kubectlFor(() => ts);

describe('scale subresource', () => {
  it('is in discovery for a CRD that declares it', async () => {
    const res = await rawRequest(ts, 'GET', '/apis/test.rdd.io/v1');
    expect(res.json).toMatchObject({ resources: expect.arrayContaining([expect.objectContaining({ name: 'scalers/scale', kind: 'Scale', group: 'autoscaling' })]) });
  });

  it('kubectl scale writes spec.replicas; GET reads an autoscaling/v1 Scale', async () => {
    const res = await kubectl('scale', 'scaler', 's1', '--replicas=3');
    expect(res.exitCode, res.stderr).toBe(0);
    expect((await ts.client.get<KubeObject>(SCALER, 's1', 'default')).spec).toEqual({ replicas: 3 });
    const scale = await rawRequest(ts, 'GET', scalePath);
    expect(scale.json).toMatchObject({ apiVersion: 'autoscaling/v1', kind: 'Scale', spec: { replicas: 3 }, status: { replicas: 0 } });
  });

  it('replaces with PUT, checks resourceVersion, refuses negative replicas', async () => {
    const current = (await rawRequest(ts, 'GET', scalePath)).json as KubeObject;
    const put = await rawRequest(ts, 'PUT', scalePath, { body: JSON.stringify({ ...current, spec: { replicas: 5 } }), headers: { 'Content-Type': 'application/json' } });
    expect(put.status, put.text).toBe(200);
    expect(put.json).toMatchObject({ spec: { replicas: 5 } });
    const stale = await rawRequest(ts, 'PUT', scalePath, { body: JSON.stringify({ ...current, spec: { replicas: 6 } }), headers: { 'Content-Type': 'application/json' } });
    expect(stale.status).toBe(409);
    const negative = await rawRequest(ts, 'PATCH', scalePath, { body: JSON.stringify({ spec: { replicas: -1 } }), headers: { 'Content-Type': 'application/merge-patch+json' } });
    expect(negative.status).toBe(422);
  });

  it('is 404 for a CRD without it', async () => {
    expect((await rawRequest(ts, 'GET', '/apis/test.rdd.io/v1/namespaces/default/widgets/x/scale')).status).toBe(404);
  });
});
