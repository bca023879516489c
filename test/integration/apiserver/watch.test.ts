import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KubeObject, Status, WatchEvent } from '../../../src/kube/types.js';
import { rawRequest, startTestApiServer, type TestApiServer } from '../../support/apiserver.js';
import { TEST_CRDS, WIDGET, widget } from './fixtures.js';

let ts: TestApiServer;

beforeAll(async () => {
  ts = await startTestApiServer({ crdDir: TEST_CRDS, retainRevisions: 20 });
});
afterAll(async () => {
  await ts?.stop();
});

/** Runs a watch in the background, collecting `TYPE name` lines until stopped. */
function collect(opts: { resourceVersion?: string; labelSelector?: string; fieldSelector?: string }) {
  const events: WatchEvent[] = [];
  const abort = new AbortController();
  const done = ts.client.watch(WIDGET, { namespace: 'default', ...opts, signal: abort.signal }, (ev) => events.push(ev));
  const names = () => events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${(e.object as KubeObject).metadata?.name ?? ''}`);
  return {
    events,
    names,
    async stop() {
      abort.abort();
      await done.catch(() => undefined);
    },
  };
}

describe('watch', () => {
  it('resumes from a resourceVersion with exactly the later events', async () => {
    const a = await ts.client.create(WIDGET, widget('wa'));
    await ts.client.create(WIDGET, widget('wb'));
    await ts.client.patch(WIDGET, 'wa', { spec: { size: 7 } }, { type: 'merge', namespace: 'default' });
    await ts.client.delete(WIDGET, 'wb', { namespace: 'default' });
    const w = collect({ resourceVersion: a.metadata.resourceVersion });
    await vi.waitFor(() => expect(w.names()).toEqual(['ADDED wb', 'MODIFIED wa', 'DELETED wb']));
    await ts.client.create(WIDGET, widget('wc'));
    await vi.waitFor(() => expect(w.names()).toEqual(['ADDED wb', 'MODIFIED wa', 'DELETED wb', 'ADDED wc']));
    const revs = w.events.map((e) => Number((e.object as KubeObject).metadata.resourceVersion));
    expect([...revs].sort((x, y) => x - y)).toEqual(revs);
    await w.stop();
  });

  it('starts with the current state when no resourceVersion is given', async () => {
    const w = collect({});
    await vi.waitFor(() => expect(w.names()).toEqual(expect.arrayContaining(['ADDED wa', 'ADDED wc'])));
    await w.stop();
  });

  it('holds label and field selectors: objects entering the selection are ADDED, leaving are DELETED', async () => {
    const list = await ts.client.list(WIDGET, { namespace: 'default' });
    const byField = collect({ resourceVersion: list.metadata.resourceVersion, fieldSelector: 'spec.color=green' });
    const byLabel = collect({ resourceVersion: list.metadata.resourceVersion, labelSelector: 'tier in (gold),!legacy' });
    await ts.client.create(WIDGET, widget('sel', { color: 'red' }, { labels: { tier: 'gold' } }));
    await ts.client.patch(WIDGET, 'sel', { spec: { color: 'green' } }, { type: 'merge', namespace: 'default' });
    await ts.client.patch(WIDGET, 'sel', { spec: { size: 2 } }, { type: 'merge', namespace: 'default' });
    await ts.client.patch(WIDGET, 'sel', { metadata: { labels: { legacy: 'yes' } }, spec: { color: 'blue' } }, { type: 'merge', namespace: 'default' });
    await vi.waitFor(() => expect(byField.names()).toEqual(['ADDED sel', 'MODIFIED sel', 'DELETED sel']));
    await vi.waitFor(() => expect(byLabel.names()).toEqual(['ADDED sel', 'MODIFIED sel', 'MODIFIED sel', 'DELETED sel']));
    const listed = await ts.client.list(WIDGET, { namespace: 'default', fieldSelector: 'spec.color=blue,metadata.name=sel' });
    expect(listed.items.map((i) => i.metadata.name)).toEqual(['sel']);
    await byField.stop();
    await byLabel.stop();
  });

  it('answers a compacted resourceVersion with an ERROR event carrying a 410 Status', async () => {
    const first = await ts.client.create(WIDGET, widget('old'));
    for (let i = 0; i < 30; i++) {
      await ts.client.patch(WIDGET, 'old', { spec: { size: (i % 9) + 1 } }, { type: 'merge', namespace: 'default' });
    }
    const w = collect({ resourceVersion: first.metadata.resourceVersion });
    await vi.waitFor(() => expect(w.events).toHaveLength(1));
    expect(w.events[0].type).toBe('ERROR');
    expect(w.events[0].object as Status).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    await w.stop();
  });

  it('sends bookmarks with the current revision when asked, and ends at timeoutSeconds', async () => {
    const res = await rawRequest(
      ts,
      'GET',
      '/apis/test.rdd.io/v1/namespaces/default/widgets?watch=1&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=1',
    );
    const lines = res.text.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: KubeObject });
    const types = lines.map((l) => l.type);
    expect(types.slice(0, -1).every((t) => t === 'ADDED')).toBe(true);
    const bookmark = lines.at(-1);
    expect(bookmark?.type).toBe('BOOKMARK');
    expect(bookmark?.object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
    const list = await ts.client.list(WIDGET, { namespace: 'default' });
    expect(bookmark?.object.metadata.resourceVersion).toBe(list.metadata.resourceVersion);
  });
});
