import { describe, expect, it } from 'vitest';
import { ApiError, type KubeClient } from '../../../../src/engine/kube/client.js';
import type { KubeObject, WatchEvent } from '../../../../src/engine/kube/types.js';
import { WIDGET, serverForFile, widget } from './fixtures.js';

/**
 * The in-process client the daemon's controllers use must behave exactly as
 * an HTTPS client: same answers, errors, watch stream, and end of a watch.
 */
describe('in-process client', () => {
  const ts = serverForFile();
  const local = (): KubeClient => ts().server.localClient();

  it('writes and reads what HTTPS clients see, through the same validation', async () => {
    const created = await local().create(WIDGET, widget('local-a'));
    expect(created.metadata.uid).toBeTruthy();
    const viaHttps = await ts().client.get(WIDGET, 'local-a', 'default');
    expect(viaHttps).toEqual(created);
    await local().patch(WIDGET, 'local-a', { spec: { color: 'blue' } }, { type: 'merge', namespace: 'default' });
    expect((await ts().client.get(WIDGET, 'local-a', 'default')).spec).toMatchObject({ color: 'blue' });
  });

  it('gets the same metav1.Status errors', async () => {
    const err = await local().get(WIDGET, 'missing', 'default').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(404);
    expect((err as ApiError).reason).toBe('NotFound');
    const invalid = await local()
      .create(WIDGET, widget('local-bad', { color: 42 }))
      .catch((e: unknown) => e);
    expect((invalid as ApiError).status).toBe(422);
    expect(await ts().client.find(WIDGET, 'local-bad', 'default')).toBeUndefined();
  });

  it('streams watch events in order and ends the watch when the signal aborts', async () => {
    const start = (await local().list(WIDGET, { namespace: 'default' })).metadata.resourceVersion;
    const seen: WatchEvent<KubeObject>[] = [];
    const abort = new AbortController();
    let gotTwo!: () => void;
    const two = new Promise<void>((r) => (gotTwo = r));
    const watching = local().watch(WIDGET, { namespace: 'default', resourceVersion: start, signal: abort.signal }, (ev) => {
      if (ev.type === 'BOOKMARK') return;
      seen.push(ev);
      if (seen.length === 2) gotTwo();
    });
    await ts().client.create(WIDGET, widget('local-w'));
    await ts().client.delete(WIDGET, 'local-w', { namespace: 'default' });
    await two;
    expect(seen.map((e) => [e.type, e.object.metadata.name])).toEqual([
      ['ADDED', 'local-w'],
      ['DELETED', 'local-w'],
    ]);
    abort.abort();
    await expect(watching).resolves.toBeUndefined();
  });

  it('hands every in-process reader its own copy: answers and watch events are not shared', async () => {
    const start = (await local().list(WIDGET, { namespace: 'default' })).metadata.resourceVersion;
    const abort = new AbortController();
    const seen: KubeObject[][] = [[], []];
    let bothSaw!: () => void;
    const saw = new Promise<void>((r) => (bothSaw = r));
    const watchers = seen.map((events) =>
      local().watch(WIDGET, { namespace: 'default', resourceVersion: start, signal: abort.signal }, (ev) => {
        if (ev.type !== 'ADDED') return;
        events.push(ev.object as KubeObject);
        (ev.object as KubeObject).metadata.labels = { scribbled: 'yes' };
        if (seen.every((s) => s.length > 0)) bothSaw();
      }),
    );
    const created = await local().create(WIDGET, widget('local-copies'));
    created.metadata.labels = { scribbled: 'too' };
    await saw;
    expect(seen[0][0]).not.toBe(seen[1][0]);
    expect((await local().get(WIDGET, 'local-copies', 'default')).metadata.labels).toBeUndefined();
    expect((await ts().client.get(WIDGET, 'local-copies', 'default')).metadata.labels).toBeUndefined();
    abort.abort();
    await Promise.all(watchers);
  });

  it('hands the server its own copy of a request body, decoded as JSON would decode it', async () => {
    const body = widget('local-body', { color: 'red' });
    (body.spec as Record<string, unknown>).dropped = undefined;
    const pending = local().create(WIDGET, body);
    // The caller reuses its object at once, as a controller building the next write does.
    (body.spec as Record<string, unknown>).color = 'scribbled';
    const created = await pending;
    expect(created.spec).toMatchObject({ color: 'red' });
    expect(created.spec).not.toHaveProperty('dropped');
    expect((await ts().client.get(WIDGET, 'local-body', 'default')).spec).toEqual(created.spec);
  });

  it('answers a body that is not an object, or a patch that is not one, with the Status HTTPS clients get', async () => {
    for (const client of [local(), ts().client]) {
      const notObject = await client.request('POST', '/apis/test.rdd.io/v1/namespaces/default/widgets', { body: ['a'] }).catch((e: unknown) => e);
      expect(notObject).toMatchObject({ status: 400, message: expect.stringContaining('must be a JSON object, not an array') as string });
      const badPatch = await client
        .request('PATCH', '/apis/test.rdd.io/v1/namespaces/default/widgets/local-a', { body: 7, contentType: 'application/merge-patch+json' })
        .catch((e: unknown) => e);
      expect(badPatch).toMatchObject({ status: 400, message: expect.stringContaining('a merge patch must be a JSON object') as string });
    }
  });

  describe('a create that keeps its status (withStatus)', () => {
    const MANAGER = 'status-creator';
    const withoutVolatile = (obj: KubeObject) => ({
      spec: obj.spec,
      status: obj.status,
      generation: obj.metadata.generation,
      managedFields: obj.metadata.managedFields?.map(({ time: _t, ...entry }) => entry),
    });
    const applyStatus = (client: KubeClient, name: string, status: Record<string, unknown>) =>
      client.patch(
        WIDGET,
        name,
        { apiVersion: 'test.rdd.io/v1', kind: 'Widget', metadata: { name }, status },
        { type: 'apply', subresource: 'status', namespace: 'default', fieldManager: MANAGER, force: true },
      );

    it('stores in one write what a create and a forced status apply store, with one ADDED event', async () => {
      const status = { phase: 'Ready', observedGeneration: 1 };
      await local().create(WIDGET, widget('two-writes'), { fieldManager: MANAGER });
      const twoWrites = await applyStatus(local(), 'two-writes', status);

      const start = (await local().list(WIDGET, { namespace: 'default' })).metadata.resourceVersion;
      const seen: WatchEvent<KubeObject>[] = [];
      const abort = new AbortController();
      const watching = ts().client.watch(WIDGET, { namespace: 'default', resourceVersion: start, signal: abort.signal }, (ev) => {
        if (ev.type !== 'BOOKMARK') seen.push(ev);
        if (ev.object.metadata.name === 'after') abort.abort();
      });
      const oneWrite = await local().create(WIDGET, { ...widget('one-write'), status }, { fieldManager: MANAGER, withStatus: true });
      await ts().client.create(WIDGET, widget('after'));
      await watching;

      expect(withoutVolatile(oneWrite)).toEqual(withoutVolatile(twoWrites));
      expect(oneWrite.metadata.resourceVersion).toBe(String(Number(start) + 1));
      expect(seen.map((e) => [e.type, e.object.metadata.name, e.object.status])).toEqual([
        ['ADDED', 'one-write', status],
        ['ADDED', 'after', undefined],
      ]);
    });

    it('leaves the status to its applier: a later apply without a field removes it', async () => {
      await local().create(WIDGET, { ...widget('owned'), status: { phase: 'Ready', observedGeneration: 1 } }, { fieldManager: MANAGER, withStatus: true });
      const next = await applyStatus(local(), 'owned', { phase: 'Gone' });
      expect(next.status).toEqual({ phase: 'Gone' });
    });

    it('validates the status and stores nothing when it is invalid', async () => {
      const err = await local()
        .create(WIDGET, { ...widget('bad-status'), status: { observedGeneration: 'one' } }, { fieldManager: MANAGER, withStatus: true })
        .catch((e: unknown) => e);
      expect((err as ApiError).status).toBe(422);
      expect(await local().find(WIDGET, 'bad-status', 'default')).toBeUndefined();
    });

    it('is in-process only: over HTTPS the status is dropped, as kube drops it', async () => {
      const created = await ts().client.create(WIDGET, { ...widget('https-status'), status: { phase: 'Ready' } }, { withStatus: true });
      expect(created.status).toBeUndefined();
    });
  });

  it('serves the health endpoints the daemon polls', async () => {
    const report = await local().request<{ healthy: boolean }>('GET', '/healthz/store');
    expect(report.healthy).toBe(true);
  });
});
