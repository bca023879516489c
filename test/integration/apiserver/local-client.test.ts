import { describe, expect, it } from 'vitest';
import { ApiError, type KubeClient } from '../../../src/kube/client.js';
import type { KubeObject, WatchEvent } from '../../../src/kube/types.js';
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

  it('serves the health endpoints the daemon polls', async () => {
    const report = await local().request<{ healthy: boolean }>('GET', '/healthz/store');
    expect(report.healthy).toBe(true);
  });
});
