import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApiServer } from '../../../support/apiserver.js';
import { appInformer, type AppObject } from '../../../../src/engine/kube/app.js';
import { Informer } from '../../../../src/engine/kube/informer.js';
import { isGone } from '../../../../src/engine/kube/client.js';
import { APP, APP_NAME, apiVersionOf, CONTAINER_NAMESPACE, NAMESPACE } from '../../../../src/engine/kube/resources.js';
import type { Status } from '../../../../src/engine/kube/types.js';
import { silentLogger } from '../../../../src/engine/base/log.js';

type TestServer = Awaited<ReturnType<typeof startTestApiServer>>;
let server: TestServer;

beforeAll(async () => {
  // A tiny log: a watch that falls a few writes behind gets 410 Gone.
  server = await startTestApiServer({ retainRevisions: 5 });
});

afterAll(async () => {
  await server?.stop();
});

const setCpus = (cpus: number) => server.client.patch<AppObject>(APP, APP_NAME, { spec: { vm: { cpus } } }, { type: 'merge' });

/** Whether a watch from `resourceVersion` is answered with 410 Gone (HTTP or ERROR event). */
async function watchIsGone(resourceVersion: string): Promise<boolean> {
  const abort = new AbortController();
  let gone = false;
  try {
    await server.client.watch(APP, { resourceVersion, signal: abort.signal }, (event) => {
      gone = event.type === 'ERROR' && (event.object as Status).code === 410;
      abort.abort();
    });
  } catch (err) {
    gone = isGone(err);
  }
  return gone;
}

describe('Informer', () => {
  it('reconnects with backoff after the stream breaks, and relists when its resourceVersion is gone', async () => {
    const app = await server.client.create<AppObject>(APP, { apiVersion: apiVersionOf(APP), kind: APP.kind, metadata: { name: APP_NAME }, spec: {} });
    const seen: (number | undefined)[] = [];
    const backoffCalls: number[] = [];
    const lists = vi.spyOn(server.client, 'list');
    // Long enough for the writes below to land while the informer is disconnected.
    const informer = appInformer(server.client, silentLogger, (failures) => {
      backoffCalls.push(failures);
      return 1500;
    });
    informer.on((_type, a) => seen.push(a.spec?.vm?.cpus));
    try {
      await informer.start();
      expect(seen).toEqual([2]);
      await setCpus(3);
      await vi.waitFor(() => expect(seen.at(-1)).toBe(3), { timeout: 10_000, interval: 20 });

      // Breaks the stream; the informer's reconnect fails while the server is down.
      await server.restart(() => vi.waitFor(() => expect(backoffCalls.length).toBeGreaterThan(0), { timeout: 10_000, interval: 20 }));
      for (let cpus = 4; cpus <= 14; cpus++) await setCpus(cpus);
      expect(await watchIsGone(app.metadata.resourceVersion!)).toBe(true);

      await vi.waitFor(() => expect(seen.at(-1)).toBe(14), { timeout: 20_000, interval: 20 });
      expect(backoffCalls.length).toBeGreaterThan(0);
      expect(lists).toHaveBeenCalledTimes(2); // the initial list and the relist after 410
      expect(informer.get(APP_NAME)?.spec?.vm?.cpus).toBe(14);
      // Writes after the relist arrive through the new watch.
      await setCpus(15);
      await vi.waitFor(() => expect(seen.at(-1)).toBe(15), { timeout: 10_000, interval: 20 });
    } finally {
      await informer.stop();
      lists.mockRestore();
    }
  });

  it('reports DELETED for objects that vanished while it was disconnected past compaction', async () => {
    const namespace = 'informer-test';
    await server.client.create(NAMESPACE, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    const create = (name: string) =>
      server.client.create(CONTAINER_NAMESPACE, { apiVersion: apiVersionOf(CONTAINER_NAMESPACE), kind: CONTAINER_NAMESPACE.kind, metadata: { name } }, { namespace });
    await create('keep');
    await create('goes');
    const events: string[] = [];
    const informer = new Informer(server.client, CONTAINER_NAMESPACE, { log: silentLogger, backoff: () => 1500 });
    informer.on((type, obj) => events.push(`${type} ${obj.metadata.name}`));
    try {
      await informer.start();
      expect(events.sort()).toEqual(['ADDED goes', 'ADDED keep']);
      events.length = 0;
      await server.restart();
      await server.client.delete(CONTAINER_NAMESPACE, 'goes', { namespace });
      await create('new');
      for (let cpus = 20; cpus <= 30; cpus++) await setCpus(cpus); // push the deletion out of the log
      await vi.waitFor(() => expect(events).toContain('DELETED goes'), { timeout: 20_000, interval: 20 });
      await vi.waitFor(() => expect(events).toContain('ADDED new'), { timeout: 20_000, interval: 20 });
      expect(events).not.toContain('ADDED keep');
      expect(informer.list().map((o) => o.metadata.name).sort()).toEqual(['keep', 'new']);
    } finally {
      await informer.stop();
    }
  });
});
