import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../../src/engine/base/log.js';
import type { KubeClient, Transport } from '../../../../src/engine/kube/client.js';
import type { KubeObject, WatchEvent } from '../../../../src/engine/kube/types.js';
import { rawWatch, startTestApiServer, type TestApiServer } from '../../../support/apiserver.js';
import { CONFIGMAP } from './fixtures.js';

/**
 * What happens to a watch's connection: a watcher that does not read is cut off past its
 * backlog cap (small caps here; the daemon's are 64 MiB and 65,536 events, proven against
 * the real process by test/integration/faults/watch-backpressure.test.ts), and a closing
 * server ends every watch cleanly.
 */
const CAP_BYTES = 1024 * 1024;
const CAP_EVENTS = 8;
/** Each event is ~256 KiB: the kernel's socket buffers fill, then the server's queue passes CAP_BYTES. */
const VALUE = 'x'.repeat(256 * 1024);
const WATCH_PATH = '/api/v1/namespaces/default/configmaps?watch=1';
const EVENTS = { timeout: 10_000, interval: 20 };

const logLines: string[] = [];
let ts: TestApiServer;

beforeAll(async () => {
  const log = createLogger({ level: 'warn', format: 'json', write: (line) => logLines.push(line) });
  ts = await startTestApiServer({ maxWatchBacklogBytes: CAP_BYTES, maxWatchBacklogEvents: CAP_EVENTS, log });
});
afterAll(async () => {
  await ts?.stop();
});

const configMap = (name: string, value = 'v'): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { v: value } });

/** The cut-off warnings logged so far, as their JSON fields. */
const cutOffs = () =>
  logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'watch closed: the client fell behind past the buffer cap');

/** `TYPE name` of each event. */
const names = (events: { type: string; object: unknown }[]) => events.map((e) => `${e.type} ${(e.object as KubeObject).metadata.name}`);

/** The transport under the daemon's in-process client: a watch through it that nobody reads (KubeClient.watch always reads). */
function localTransport(client: KubeClient): Transport {
  return (client as unknown as { transport: Transport }).transport;
}

describe('watch connections', () => {
  it('cuts off an HTTPS watcher that stops reading once its queue passes the cap; a reading watcher keeps every event', async () => {
    const stalled = await rawWatch(ts, WATCH_PATH, { read: false });
    const reading = await rawWatch(ts, WATCH_PATH);
    let readingEnded = false;
    void reading.ended.then(() => (readingEnded = true));
    const expected: string[] = [];
    // The warning is logged as the event is sent, before the write's answer: the loop stops at the first one.
    for (let i = 0; i < 200 && cutOffs().length === 0; i++) {
      await ts.client.create(CONFIGMAP, configMap(`big-${i}`, VALUE));
      await ts.client.delete(CONFIGMAP, `big-${i}`, { namespace: 'default' });
      expected.push(`ADDED big-${i}`, `DELETED big-${i}`);
    }
    expect(cutOffs()).toHaveLength(1);
    const [warning] = cutOffs();
    expect(warning).toMatchObject({ level: 'warn', component: 'apiserver', resource: '/configmaps', cap: `${CAP_BYTES} bytes` });
    expect(Number(/^(\d+) bytes$/.exec(String(warning.backlog))?.[1])).toBeGreaterThan(CAP_BYTES);
    // Destroyed, not ended: once the client reads again, it gets what its socket held, then the connection breaks.
    stalled.res.resume();
    await expect(stalled.ended).resolves.toEqual({ complete: false });

    await ts.client.create(CONFIGMAP, configMap('after-cut'));
    await vi.waitFor(() => expect(names(reading.events)).toEqual([...expected, 'ADDED after-cut']), EVENTS);
    expect(readingEnded).toBe(false);
    expect(cutOffs()).toHaveLength(1);
    reading.res.destroy();
  });

  it('cuts off an in-process watcher whose consumer does not read as soon as more than the cap of events wait', async () => {
    logLines.length = 0;
    const local = ts.server.localClient();
    const stalled = await localTransport(local).open('GET', new URL(`${ts.server.url}${WATCH_PATH}`), { events: true });
    const stalledClosed = new Promise<void>((resolve) => stalled.once('close', resolve));
    const abort = new AbortController();
    const seen: WatchEvent[] = [];
    const reading = local.watch(CONFIGMAP, { namespace: 'default', signal: abort.signal }, (ev) => seen.push(ev));
    const expected: string[] = [];
    for (let i = 0; i < 100 && cutOffs().length === 0; i++) {
      await local.create(CONFIGMAP, configMap(`small-${i}`));
      expected.push(`ADDED small-${i}`);
    }
    // The stream holds 16 events (its high-water mark) and queues the rest: cut at the first event past the cap.
    expect(cutOffs()).toEqual([
      expect.objectContaining({ msg: 'watch closed: the client fell behind past the buffer cap', resource: '/configmaps', backlog: `${CAP_EVENTS + 1} events`, cap: `${CAP_EVENTS} events` }),
    ]);
    await stalledClosed;
    expect(stalled.destroyed).toBe(true);

    await local.create(CONFIGMAP, configMap('after-local-cut'));
    await vi.waitFor(() => expect(names(seen).filter((n) => n.includes('small-') || n.includes('after-local-cut'))).toEqual([...expected, 'ADDED after-local-cut']), EVENTS);
    expect(cutOffs()).toHaveLength(1);
    abort.abort();
    await reading;
  });

  it('releases a watch when its client goes away, bookmarks and all; a watch open beside it is kept', async () => {
    const idle = ts.server.watchSubscriptions();
    const kept = await rawWatch(ts, `${WATCH_PATH}&allowWatchBookmarks=true`);
    const leaving = await rawWatch(ts, `${WATCH_PATH}&allowWatchBookmarks=true`);
    // Each: its resource's events, and every write's for its bookmarks.
    expect(ts.server.watchSubscriptions()).toBe(idle + 4);
    leaving.res.destroy();
    await leaving.ended;
    await vi.waitFor(() => expect(ts.server.watchSubscriptions()).toBe(idle + 2), EVENTS);
    await ts.client.create(CONFIGMAP, configMap('after-leaving'));
    await vi.waitFor(() => expect(names(kept.events)).toContain('ADDED after-leaving'), EVENTS);
    kept.res.destroy();
    await vi.waitFor(() => expect(ts.server.watchSubscriptions()).toBe(idle), EVENTS);
  });

  // Last: it closes the server.
  it('ends every open watch cleanly when the server closes, also one opened while it closes', async () => {
    await ts.client.create(CONFIGMAP, configMap('before-close'));
    const remote = await rawWatch(ts, WATCH_PATH);
    const local = ts.server.localClient();
    const inProcess = local.watch(CONFIGMAP, { namespace: 'default' }, () => undefined);
    await vi.waitFor(() => expect(remote.events.length).toBeGreaterThan(0), EVENTS);
    const closing = ts.server.close();
    // Opened after the shutdown signal fired: the store's close ends it.
    const late = local.watch(CONFIGMAP, { namespace: 'default' }, () => undefined);
    await expect(remote.ended).resolves.toEqual({ complete: true });
    await expect(inProcess).resolves.toBeUndefined();
    await closing;
    await expect(late).resolves.toBeUndefined();
  });
});
