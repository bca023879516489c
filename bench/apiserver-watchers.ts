/**
 * Worker for bench/apiserver.ts: `count` watchers on the Widget collection,
 * in their own thread as real clients would be in their own processes.
 * Posts `{ rv, at: number[] }` (absolute ms, performance.timeOrigin-based)
 * once every watcher has seen the MODIFIED event of revision `rv`.
 */
import { setMaxListeners } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import { KubeClient } from '../src/engine/kube/client.js';
import type { ResourceRef } from '../src/engine/kube/resources.js';
import type { KubeObject } from '../src/engine/kube/types.js';

interface Input {
  kubeconfigPath: string;
  resourceVersion: string;
  count: number;
  ref: ResourceRef;
}

const { kubeconfigPath, resourceVersion, count, ref } = workerData as Input;
const client = KubeClient.fromFile(kubeconfigPath);
const abort = new AbortController();
setMaxListeners(count + 10, abort.signal);
const arrivals = new Map<string, number[]>();

for (let i = 0; i < count; i++) {
  void client
    .watch(ref, { namespace: 'default', resourceVersion, signal: abort.signal }, (ev) => {
      if (ev.type !== 'MODIFIED') return;
      const at = performance.timeOrigin + performance.now();
      const rv = (ev.object as KubeObject).metadata.resourceVersion ?? '';
      const list = arrivals.get(rv) ?? [];
      list.push(at);
      arrivals.set(rv, list);
      if (list.length === count) {
        parentPort?.postMessage({ rv, at: list });
        arrivals.delete(rv);
      }
    })
    .catch((err: unknown) => parentPort?.postMessage({ error: String(err) }));
}

parentPort?.on('message', (msg) => {
  if (msg === 'stop') {
    abort.abort();
    parentPort?.close();
  }
});
