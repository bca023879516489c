import { CustomObjectsApi, KubeConfig, makeInformer, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../../../support/apiserver.js';
import { TEST_CRDS, WIDGET, widget } from './fixtures.js';

let ts: TestApiServer;

beforeAll(async () => {
  ts = await startTestApiServer({ crdDir: TEST_CRDS });
});
afterAll(async () => {
  await ts?.stop();
});

describe('client-node informer', () => {
  it('stays consistent across a server restart on the same database', async () => {
    await ts.client.create(WIDGET, widget('ia'));
    await ts.client.create(WIDGET, widget('ib'));
    const kc = new KubeConfig();
    kc.loadFromFile(ts.kubeconfigPath);
    const api = kc.makeApiClient(CustomObjectsApi);
    const path = '/apis/test.rdd.io/v1/namespaces/default/widgets';
    const list = () => api.listNamespacedCustomObject({ group: 'test.rdd.io', version: 'v1', namespace: 'default', plural: 'widgets' });
    const informer = makeInformer<KubernetesObject & { spec?: { size?: number } }>(kc, path, list);
    let stopped = false;
    // The informer reports a dropped connection as an error and leaves restarting to its owner.
    informer.on('error', () => {
      if (stopped) return;
      setTimeout(() => void informer.start().catch(() => undefined), 100);
    });
    await informer.start();
    const names = () => informer.list('default').map((o) => o.metadata?.name).sort();
    await vi.waitFor(() => expect(names()).toEqual(['ia', 'ib']), { timeout: 10_000, interval: 20 });
    const before = Number((await ts.client.list(WIDGET, { namespace: 'default' })).metadata.resourceVersion);

    await ts.restart();
    await ts.client.create(WIDGET, widget('ic'));
    await ts.client.delete(WIDGET, 'ia', { namespace: 'default' });
    await ts.client.patch(WIDGET, 'ib', { spec: { size: 8 } }, { type: 'merge', namespace: 'default' });

    await vi.waitFor(() => {
      expect(names()).toEqual(['ib', 'ic']);
      expect(informer.get('ib', 'default')?.spec?.size).toBe(8);
    }, { timeout: 15_000 });
    const after = Number((await ts.client.list(WIDGET, { namespace: 'default' })).metadata.resourceVersion);
    expect(after).toBeGreaterThan(before);
    stopped = true;
    await informer.stop();
  });

  it('relists after a 410 when it resumes behind the compacted log', async () => {
    const small = await startTestApiServer({ crdDir: TEST_CRDS, retainRevisions: 20 });
    try {
      await small.client.create(WIDGET, widget('ga'));
      const kc = new KubeConfig();
      kc.loadFromFile(small.kubeconfigPath);
      const api = kc.makeApiClient(CustomObjectsApi);
      const list = () => api.listNamespacedCustomObject({ group: 'test.rdd.io', version: 'v1', namespace: 'default', plural: 'widgets' });
      const informer = makeInformer<KubernetesObject & { spec?: { size?: number } }>(kc, '/apis/test.rdd.io/v1/namespaces/default/widgets', list);
      let disconnected = false;
      informer.on('error', () => {
        disconnected = true;
      });
      await informer.start();
      const names = () => informer.list('default').map((o) => o.metadata?.name).sort();
      await vi.waitFor(() => expect(names()).toEqual(['ga']));
      // Down, then restarted without the informer: meanwhile the log moves past its resourceVersion.
      await small.restart(() => vi.waitFor(() => expect(disconnected).toBe(true), { timeout: 15_000 }));
      await small.client.create(WIDGET, widget('gb'));
      for (let i = 1; i <= 30; i++) await small.client.patch(WIDGET, 'gb', { spec: { size: (i % 10) + 1 } }, { type: 'merge', namespace: 'default' });
      await small.client.delete(WIDGET, 'ga', { namespace: 'default' });
      await informer.start();
      await vi.waitFor(() => {
        expect(names()).toEqual(['gb']);
        expect(informer.get('gb', 'default')?.spec?.size).toBe(1);
      }, { timeout: 15_000 });
      await informer.stop();
    } finally {
      await small.stop();
    }
  });
});
