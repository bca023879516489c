import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BOOKMARK_INTERVAL_MS } from '../../../../src/engine/apiserver/endpoints/handlers/watch.js';
import type { KubeObject, WatchEvent } from '../../../../src/engine/kube/types.js';
import { startTestApiServer, type TestApiServer } from '../../../support/apiserver.js';
import { TEST_CRDS, WIDGET, widget } from './fixtures.js';

let ts: TestApiServer;

beforeAll(async () => {
  ts = await startTestApiServer({ crdDir: TEST_CRDS });
});
afterAll(async () => {
  await ts?.stop();
});
afterEach(() => {
  vi.useRealTimers();
});

const EVENTS = { timeout: 10_000, interval: 20 };

describe('watch bookmarks', () => {
  it('never run ahead of the events: a bookmark due while a write waits for its commit carries the last revision sent', async () => {
    const local = ts.server.localClient();
    const from = (await local.create(WIDGET, widget('bk0'))).metadata.resourceVersion;
    // Only the watch's timers are faked (the store commits on setImmediate, real), so the bookmark can be made due at will.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const seen: WatchEvent[] = [];
    const abort = new AbortController();
    const watching = local.watch(WIDGET, { namespace: 'default', resourceVersion: from, signal: abort.signal }, (ev) => seen.push(ev));
    const sent = await local.create(WIDGET, widget('bk1'));
    await vi.waitFor(() => expect(seen).toHaveLength(1), EVENTS);
    // bk2 reaches the store in promise jobs and commits in a later turn; the bookmark falls due in between.
    const pending = local.create(WIDGET, widget('bk2'));
    await new Promise<void>((resolve) => process.nextTick(resolve));
    vi.advanceTimersByTime(BOOKMARK_INTERVAL_MS);
    const written = await pending;
    await vi.waitFor(() => expect(seen).toHaveLength(3), EVENTS);
    abort.abort();
    await watching;
    expect(seen.map((e) => `${e.type} ${(e.object as KubeObject).metadata.resourceVersion}`)).toEqual([
      `ADDED ${sent.metadata.resourceVersion}`,
      `BOOKMARK ${sent.metadata.resourceVersion}`,
      `ADDED ${written.metadata.resourceVersion}`,
    ]);
  });
});
