import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApiServer } from '../../support/apiserver.js';
import type { AppObject } from '../../../src/kube/app.js';
import { watchApp } from '../../../src/kube/watch-app.js';
import { isGone } from '../../../src/kube/client.js';
import { APP, APP_NAME, apiVersionOf } from '../../../src/kube/resources.js';
import type { Status } from '../../../src/kube/types.js';
import { silentLogger } from '../../../src/base/log.js';

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

describe('watchApp (the App informer)', () => {
  it('reconnects with backoff after the stream breaks, and relists when its resourceVersion is gone', async () => {
    const app = await server.client.create<AppObject>(APP, { apiVersion: apiVersionOf(APP), kind: APP.kind, metadata: { name: APP_NAME }, spec: {} });
    const seen: (number | undefined)[] = [];
    const backoffCalls: number[] = [];
    const lists = vi.spyOn(server.client, 'list');
    const abort = new AbortController();
    let listed!: () => void;
    const ready = new Promise<void>((resolve) => (listed = resolve));
    const loop = watchApp(server.client, {
      signal: abort.signal,
      log: silentLogger,
      onChange: (a) => seen.push(a?.spec?.vm?.cpus),
      onListed: () => listed(),
      // Long enough for the writes below to land while the informer is disconnected.
      backoff: (failures) => {
        backoffCalls.push(failures);
        return 1500;
      },
    });
    try {
      await ready;
      expect(seen).toEqual([2]);
      await setCpus(3);
      await vi.waitFor(() => expect(seen.at(-1)).toBe(3), { timeout: 10_000, interval: 20 });

      await server.restart(); // breaks the stream; reconnecting fails until the server is back
      for (let cpus = 4; cpus <= 14; cpus++) await setCpus(cpus);
      expect(await watchIsGone(app.metadata.resourceVersion!)).toBe(true);

      await vi.waitFor(() => expect(seen.at(-1)).toBe(14), { timeout: 20_000, interval: 20 });
      expect(backoffCalls.length).toBeGreaterThan(0);
      expect(lists).toHaveBeenCalledTimes(2); // the initial list and the relist after 410
      // Writes after the relist arrive through the new watch.
      await setCpus(15);
      await vi.waitFor(() => expect(seen.at(-1)).toBe(15), { timeout: 10_000, interval: 20 });
    } finally {
      abort.abort();
      await loop;
      lists.mockRestore();
    }
  });
});
