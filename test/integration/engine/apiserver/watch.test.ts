import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BOOKMARK_INTERVAL_MS } from '../../../../src/engine/apiserver/endpoints/handlers/watch.js';
import { NAMESPACE } from '../../../../src/engine/kube/resources.js';
import type { KubeObject, Status, WatchEvent } from '../../../../src/engine/kube/types.js';
import { rawRequest, rawWatch, startTestApiServer, type TestApiServer } from '../../../support/apiserver.js';
import { TEST_CRDS, WIDGET, widget, WIDGETS } from './fixtures.js';

let ts: TestApiServer;

beforeAll(async () => {
  ts = await startTestApiServer({ crdDir: TEST_CRDS, retainRevisions: 20 });
});
afterAll(async () => {
  await ts?.stop();
});

/** Events of an in-process server arrive in milliseconds; this leaves room for a loaded 2-core CI. */
const EVENTS = { timeout: 10_000, interval: 20 };

/** Runs a watch in the background, collecting `TYPE name` lines until stopped (namespace: default; null = all). */
function collect(opts: { resourceVersion?: string; labelSelector?: string; fieldSelector?: string; namespace?: string | null }) {
  const events: WatchEvent[] = [];
  const abort = new AbortController();
  const namespace = opts.namespace === null ? undefined : (opts.namespace ?? 'default');
  const done = ts.client.watch(WIDGET, { ...opts, namespace, signal: abort.signal }, (ev) => events.push(ev));
  const names = () =>
    events
      .filter((e) => e.type !== 'BOOKMARK')
      .map((e) => {
        const { name, namespace: ns } = (e.object as KubeObject).metadata ?? {};
        return `${e.type} ${opts.namespace === null ? `${ns}/` : ''}${name ?? ''}`;
      });
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
    await vi.waitFor(() => expect(w.names()).toEqual(['ADDED wb', 'MODIFIED wa', 'DELETED wb']), EVENTS);
    await ts.client.create(WIDGET, widget('wc'));
    await vi.waitFor(() => expect(w.names()).toEqual(['ADDED wb', 'MODIFIED wa', 'DELETED wb', 'ADDED wc']), EVENTS);
    const revs = w.events.map((e) => Number((e.object as KubeObject).metadata.resourceVersion));
    expect([...revs].sort((x, y) => x - y)).toEqual(revs);
    await w.stop();
  });

  it('starts with exactly the current state when no resourceVersion is given', async () => {
    const w = collect({});
    // Live events follow the replay, so once the marker is in, the replay is complete:
    // wb (deleted) and nothing else may be in it.
    await ts.client.create(WIDGET, widget('wmark'));
    await vi.waitFor(() => expect(w.names()).toContain('ADDED wmark'), EVENTS);
    expect(w.names()).toEqual(['ADDED wa', 'ADDED wc', 'ADDED wmark']);
    await w.stop();
    await ts.client.delete(WIDGET, 'wmark', { namespace: 'default' });
  });

  it('starts from the current state for resourceVersion=0, and for sendInitialEvents=true with a resourceVersion', async () => {
    const list = await ts.client.list(WIDGET, { namespace: 'default' });
    const current = list.items.map((i) => `ADDED ${i.metadata.name}`);
    expect(current.length).toBeGreaterThan(0);
    // "0" is "any revision": the current state, not the log from its start.
    const any = collect({ resourceVersion: '0' });
    const initial = await rawWatch(ts, `${WIDGETS}?watch=1&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion=${list.metadata.resourceVersion}`);
    await ts.client.create(WIDGET, widget('wmark0'));
    await vi.waitFor(() => expect(any.names()).toEqual([...current, 'ADDED wmark0']), EVENTS);
    const initialNames = () => initial.events.map((e) => `${e.type} ${(e.object as KubeObject).metadata.name ?? ''}`);
    await vi.waitFor(() => expect(initialNames()).toEqual([...current, 'BOOKMARK ', 'ADDED wmark0']), EVENTS);
    await any.stop();
    initial.res.destroy();
    await ts.client.delete(WIDGET, 'wmark0', { namespace: 'default' });
  });

  it('sends a write made in the same turn as the watch opened once: in the replay or live, never both', async () => {
    const local = ts.server.localClient();
    const burst = ['turn-a', 'turn-b', 'turn-c'];
    // The writes reach the store in promise jobs; their batch commits in a later event-loop turn. The watch opens
    // between the two (process.nextTick runs once the jobs are done): its replay reads writes not yet published.
    const writes = burst.map((name) => local.create(WIDGET, widget(name)));
    await new Promise<void>((resolve) => process.nextTick(resolve));
    const seen: WatchEvent[] = [];
    const abort = new AbortController();
    const watching = local.watch(WIDGET, { namespace: 'default', signal: abort.signal }, (ev) => seen.push(ev));
    await Promise.all(writes);
    await ts.client.create(WIDGET, widget('turn-mark'));
    const turnNames = () => seen.map((e) => `${e.type} ${(e.object as KubeObject).metadata.name}`).filter((n) => n.includes('turn-'));
    await vi.waitFor(() => expect(turnNames()).toContain('ADDED turn-mark'), EVENTS);
    expect(turnNames()).toEqual([...burst.map((n) => `ADDED ${n}`), 'ADDED turn-mark']);
    abort.abort();
    await watching;
    for (const name of [...burst, 'turn-mark']) await ts.client.delete(WIDGET, name, { namespace: 'default' });
  });

  it('answers a watch as a stream of JSON lines that no cache may keep', async () => {
    const w = await rawWatch(ts, `${WIDGETS}?watch=1`);
    expect(w.res.statusCode).toBe(200);
    expect(w.res.headers).toMatchObject({ 'content-type': 'application/json', 'cache-control': 'no-cache, private', 'transfer-encoding': 'chunked' });
    w.res.destroy();
  });

  it('sends a table watch (kubectl get -w) each object as a one-row Table, bookmarks and errors as they are', async () => {
    const accept = { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' };
    const list = await ts.client.list(WIDGET, { namespace: 'default' });
    const w = await rawWatch(ts, `${WIDGETS}?watch=1&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan`, { headers: accept });
    await ts.client.create(WIDGET, widget('wtable'));
    await vi.waitFor(() => expect(w.events).toHaveLength(list.items.length + 2), EVENTS);
    w.res.destroy();
    const rowNames = w.events.map((e) => {
      if (e.object.kind !== 'Table') return `${e.type} ${e.object.kind as string}`;
      const rows = e.object.rows as { object: KubeObject }[];
      return `${e.type} ${rows.map((r) => r.object.metadata.name).join(',')}`;
    });
    expect(rowNames).toEqual([...list.items.map((i) => `ADDED ${i.metadata.name}`), 'BOOKMARK Widget', 'ADDED wtable']);
    const added = w.events.at(-1)?.object;
    expect(added).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '' } });
    expect((added?.columnDefinitions as { name: string }[]).map((c) => c.name)).toContain('Name');
    expect(w.events[list.items.length].object).toMatchObject({ kind: 'Widget', apiVersion: 'test.rdd.io/v1', metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } });
    await ts.client.delete(WIDGET, 'wtable', { namespace: 'default' });
  });

  it('holds label and field selectors: objects entering the selection are ADDED, leaving are DELETED', async () => {
    const list = await ts.client.list(WIDGET, { namespace: 'default' });
    const byField = collect({ resourceVersion: list.metadata.resourceVersion, fieldSelector: 'spec.color=green' });
    const byLabel = collect({ resourceVersion: list.metadata.resourceVersion, labelSelector: 'tier in (gold),!legacy' });
    await ts.client.create(WIDGET, widget('sel', { color: 'red' }, { labels: { tier: 'gold' } }));
    await ts.client.patch(WIDGET, 'sel', { spec: { color: 'green' } }, { type: 'merge', namespace: 'default' });
    await ts.client.patch(WIDGET, 'sel', { spec: { size: 2 } }, { type: 'merge', namespace: 'default' });
    await ts.client.patch(WIDGET, 'sel', { metadata: { labels: { legacy: 'yes' } }, spec: { color: 'blue' } }, { type: 'merge', namespace: 'default' });
    await vi.waitFor(() => expect(byField.names()).toEqual(['ADDED sel', 'MODIFIED sel', 'DELETED sel']), EVENTS);
    await vi.waitFor(() => expect(byLabel.names()).toEqual(['ADDED sel', 'MODIFIED sel', 'MODIFIED sel', 'DELETED sel']), EVENTS);
    const listed = await ts.client.list(WIDGET, { namespace: 'default', fieldSelector: 'spec.color=blue,metadata.name=sel' });
    expect(listed.items.map((i) => i.metadata.name)).toEqual(['sel']);
    await byField.stop();
    await byLabel.stop();
  });

  it('replays only the objects a selector matches, from the current state and from a resourceVersion', async () => {
    const from = (await ts.client.list(WIDGET, { namespace: 'default' })).metadata.resourceVersion;
    await ts.client.create(WIDGET, widget('replay-in', { color: 'red' }, { labels: { tier: 'replay' } }));
    await ts.client.create(WIDGET, widget('replay-out'));
    const current = collect({ labelSelector: 'tier=replay' });
    const resumed = collect({ resourceVersion: from, labelSelector: 'tier=replay' });
    await ts.client.create(WIDGET, widget('replay-mark', { color: 'red' }, { labels: { tier: 'replay' } }));
    await vi.waitFor(() => expect(current.names()).toEqual(['ADDED replay-in', 'ADDED replay-mark']), EVENTS);
    await vi.waitFor(() => expect(resumed.names()).toEqual(['ADDED replay-in', 'ADDED replay-mark']), EVENTS);
    await current.stop();
    await resumed.stop();
    for (const name of ['replay-in', 'replay-out', 'replay-mark']) await ts.client.delete(WIDGET, name, { namespace: 'default' });
  });

  it('answers a compacted resourceVersion with an ERROR event carrying a 410 Status', async () => {
    const first = await ts.client.create(WIDGET, widget('old'));
    for (let i = 0; i < 30; i++) {
      await ts.client.patch(WIDGET, 'old', { spec: { size: (i % 9) + 1 } }, { type: 'merge', namespace: 'default' });
    }
    const w = collect({ resourceVersion: first.metadata.resourceVersion });
    await vi.waitFor(() => expect(w.events).toHaveLength(1), EVENTS);
    expect(w.events[0].type).toBe('ERROR');
    expect(w.events[0].object as Status).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    await w.stop();
  });

  it('sends a table watch from a compacted resourceVersion its 410 as a Status, not a Table', async () => {
    const res = await rawRequest(ts, 'GET', `${WIDGETS}?watch=1&resourceVersion=1`, { headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
    expect(res.json).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  });

  it('resumes from the oldest kept revision with every later event, and answers one before it with 410', async () => {
    const first = await ts.client.create(WIDGET, widget('edge', { color: 'red', size: 1 }));
    for (let i = 1; i < 30; i++) {
      await ts.client.patch(WIDGET, 'edge', { spec: { size: (i % 10) + 1 } }, { type: 'merge', namespace: 'default' });
    }
    // The 410's message names the compaction boundary: the oldest revision a watch may resume from.
    const expired = collect({ resourceVersion: first.metadata.resourceVersion });
    await vi.waitFor(() => expect(expired.events).toHaveLength(1), EVENTS);
    await expired.stop();
    const message = (expired.events[0].object as Status).message ?? '';
    const boundary = Number(/^too old resource version: \d+ \((\d+)\)$/.exec(message)?.[1]);
    const latest = Number((await ts.client.get(WIDGET, 'edge', 'default')).metadata.resourceVersion);
    // Every revision after the boundary is one of edge's patches, so the replay is known exactly.
    expect(latest - boundary).toBeGreaterThan(1);
    expect(latest - boundary).toBeLessThan(29);

    const atBoundary = collect({ resourceVersion: String(boundary) });
    const revisions = () => atBoundary.events.map((e) => `${e.type} ${(e.object as KubeObject).metadata.resourceVersion}`);
    const expected = Array.from({ length: latest - boundary }, (_, i) => `MODIFIED ${boundary + 1 + i}`);
    await vi.waitFor(() => expect(revisions()).toEqual(expected), EVENTS);
    await atBoundary.stop();

    const before = collect({ resourceVersion: String(boundary - 1) });
    await vi.waitFor(() => expect(before.events).toHaveLength(1), EVENTS);
    expect(before.events[0]).toMatchObject({ type: 'ERROR', object: { code: 410, message: `too old resource version: ${boundary - 1} (${boundary})` } });
    await before.stop();
  });

  it('shows a namespaced watch only its namespace, in the replay and live', async () => {
    await ts.client.create(NAMESPACE, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'elsewhere' } });
    const from = (await ts.client.list(WIDGET, { namespace: 'default' })).metadata.resourceVersion;
    const here = collect({ resourceVersion: from });
    const everywhere = collect({ resourceVersion: from, namespace: null });
    await ts.client.create(WIDGET, widget('ns1', { color: 'red' }, { namespace: 'elsewhere' }));
    await ts.client.create(WIDGET, widget('ns2'));
    await vi.waitFor(() => expect(here.names()).toEqual(['ADDED ns2']), EVENTS);
    // The watch has delivered an event, so it is subscribed: these two arrive live.
    await ts.client.patch(WIDGET, 'ns1', { spec: { size: 5 } }, { type: 'merge', namespace: 'elsewhere' });
    await ts.client.patch(WIDGET, 'ns2', { spec: { size: 5 } }, { type: 'merge', namespace: 'default' });
    await vi.waitFor(() => expect(here.names()).toEqual(['ADDED ns2', 'MODIFIED ns2']), EVENTS);
    const all = ['ADDED elsewhere/ns1', 'ADDED default/ns2', 'MODIFIED elsewhere/ns1', 'MODIFIED default/ns2'];
    await vi.waitFor(() => expect(everywhere.names()).toEqual(all), EVENTS);
    // All four writes are now in the log: a new watch gets them from the replay alone.
    const replayed = collect({ resourceVersion: from });
    await vi.waitFor(() => expect(replayed.names()).toEqual(['ADDED ns2', 'MODIFIED ns2']), EVENTS);
    for (const w of [here, everywhere, replayed]) await w.stop();
  });

  it('sends the initial-events bookmark with the current revision when asked, and ends at timeoutSeconds', async () => {
    const started = performance.now();
    const res = await rawRequest(
      ts,
      'GET',
      '/apis/test.rdd.io/v1/namespaces/default/widgets?watch=1&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=1',
      // The server must end the watch itself; this only keeps a hang from lasting until the test timeout.
      { signal: AbortSignal.timeout(10_000) },
    );
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(5_000);
    const lines = res.text.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: KubeObject });
    const types = lines.map((l) => l.type);
    expect(types.slice(0, -1).every((t) => t === 'ADDED')).toBe(true);
    const bookmark = lines.at(-1);
    expect(bookmark?.type).toBe('BOOKMARK');
    expect(bookmark?.object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
    const list = await ts.client.list(WIDGET, { namespace: 'default' });
    expect(lines.slice(0, -1).map((l) => l.object.metadata.name)).toEqual(list.items.map((i) => i.metadata.name));
    expect(bookmark?.object.metadata.resourceVersion).toBe(list.metadata.resourceVersion);
  });

  it('sends an idle watch a periodic bookmark carrying the revision of the latest write, and none to a watch that did not ask', async () => {
    const from = (await ts.client.list(WIDGET, { namespace: 'default' })).metadata.resourceVersion;
    // Opened first: a bookmark for it would be due before the other watch's.
    const unasked = await rawWatch(ts, `${WIDGETS}?watch=1&resourceVersion=${from}`);
    const w = collect({ resourceVersion: from });
    const written = await ts.client.create(WIDGET, widget('bm'));
    await vi.waitFor(() => expect(w.names()).toEqual(['ADDED bm']), EVENTS);
    await vi.waitFor(() => expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK']), { timeout: BOOKMARK_INTERVAL_MS + 5_000, interval: 100 });
    expect(w.events[1].object).toEqual({ kind: 'Widget', apiVersion: 'test.rdd.io/v1', metadata: { resourceVersion: written.metadata.resourceVersion } });
    // Anything sent to the unasked watch before this write arrives before its event.
    await ts.client.create(WIDGET, widget('bm2'));
    await vi.waitFor(() => expect(unasked.events.map((e) => `${e.type} ${(e.object as KubeObject).metadata.name ?? ''}`)).toEqual(['ADDED bm', 'ADDED bm2']), EVENTS);
    unasked.res.destroy();
    await w.stop();
  });
});
