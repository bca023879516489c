/**
 * API server benchmark (docs/performance.md: list of 2,000 objects ≤ 150 ms; 100
 * watchers each see an event within 50 ms p99). Run from the repository root:
 *
 *   npx tsc -p tsconfig.json --outDir .tmp/bench && node .tmp/bench/bench/apiserver.js [--objects N] [--watchers N] [--samples N]
 *
 * 1. List: N objects in one namespace, then `samples` lists through KubeClient
 *    (request, JSON encoding and parsing included).
 * 2. Fan-out: W watchers (in a worker thread, as separate clients) from the
 *    list's resourceVersion; each sample patches one object (over a kept-alive
 *    connection) and times, per watcher, from just before the PATCH is sent to
 *    that watcher receiving the MODIFIED event.
 * Prints one JSON object, then a one-line summary.
 */
import https from 'node:https';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { ResourceRef } from '../src/kube/resources.js';
import type { KubeObject } from '../src/kube/types.js';
import { startTestApiServer, type TestApiServer } from '../test/support/apiserver.js';
import { stats } from './stats.js';

const WIDGET: ResourceRef = { group: 'test.rdd.io', version: 'v1', plural: 'widgets', kind: 'Widget', namespaced: true };

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { objects: { type: 'string', default: '2000' }, watchers: { type: 'string', default: '100' }, samples: { type: 'string', default: '20' } },
  });
  const objects = Number(values.objects);
  const watcherCount = Number(values.watchers);
  const samples = Number(values.samples);
  // The throwaway test CRDs, so the bench does not depend on the product's schemas.
  const ts = await startTestApiServer({ crdDir: path.resolve('test/fixtures/crds') });
  const { client } = ts;
  try {
    const createStart = performance.now();
    for (let i = 0; i < objects; i += 50) {
      const batch = Array.from({ length: Math.min(50, objects - i) }, (_, j) =>
        client.create(WIDGET, {
          apiVersion: 'test.rdd.io/v1',
          kind: 'Widget',
          metadata: { name: `w-${i + j}`, namespace: 'default', labels: { bench: 'yes' } },
          spec: { color: 'red', tags: ['a', 'b'], ports: [{ name: 'http', port: 80 }] },
        }),
      );
      await Promise.all(batch);
    }
    const createMs = performance.now() - createStart;

    const listMs: number[] = [];
    let resourceVersion = '';
    // CPU time (user+system, whole process) shows the cost independent of how busy the machine is.
    const listCpu = process.cpuUsage();
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      const list = await client.list(WIDGET, { namespace: 'default' });
      listMs.push(performance.now() - t0);
      if (list.items.length !== objects) throw new Error(`listed ${list.items.length} widgets, expected ${objects}`);
      resourceVersion = list.metadata.resourceVersion;
    }

    const listCpuMs = cpuMs(process.cpuUsage(listCpu)) / samples;
    const watchers = startWatchers(ts.kubeconfigPath, resourceVersion, watcherCount);
    const writer = keepAliveWriter(ts);
    const fanoutMs: number[] = [];
    let fanoutCpu = process.cpuUsage();
    try {
      // A first write every watcher must see proves they are all connected.
      const warmup = await writer.patch('w-0', { spec: { size: 1 } });
      await watchers.arrivals(warmup.metadata.resourceVersion ?? '', 60_000);
      fanoutCpu = process.cpuUsage();
      for (let i = 0; i < samples; i++) {
        const t0 = performance.timeOrigin + performance.now();
        const updated = await writer.patch(`w-${i + 1}`, { spec: { size: 5 } });
        const lat = (await watchers.arrivals(updated.metadata.resourceVersion ?? '', 10_000)).map((t) => t - t0);
        fanoutMs.push(...lat);
      }
      fanoutCpu = process.cpuUsage(fanoutCpu);
    } finally {
      writer.close();
      await watchers.stop();
    }

    const list = stats(listMs);
    const fanout = stats(fanoutMs);
    const result = {
      objects,
      watchers: watcherCount,
      createAllMs: Math.round(createMs),
      loadAverage: loadavg()[0],
      cpuMsPerList: Math.round(listCpuMs * 10) / 10,
      cpuMsPerFanoutEvent: Math.round((cpuMs(fanoutCpu) / samples) * 10) / 10,
      listMs: list,
      fanoutMs: fanout,
      targets: { listMs: 150, fanoutP99Ms: 50 },
      pass: list.p50 <= 150 && fanout.p99 <= 50,
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(
      `apiserver: list ${objects} objects p50 ${list.p50} ms (max ${list.max}, ${result.cpuMsPerList} ms CPU); ` +
        `${watcherCount} watchers event p50 ${fanout.p50} ms p99 ${fanout.p99} ms (${result.cpuMsPerFanoutEvent} ms CPU per event); ` +
        `load ${result.loadAverage.toFixed(1)} — ${result.pass ? 'PASS' : 'FAIL'}`,
    );
  } finally {
    await ts.stop();
  }
}

/** The watchers, in a worker thread so their parsing does not share the server's event loop. */
function startWatchers(kubeconfigPath: string, resourceVersion: string, count: number) {
  const worker = new Worker(new URL('./apiserver-watchers.js', import.meta.url), {
    workerData: { kubeconfigPath, resourceVersion, count, ref: WIDGET },
  });
  const seen = new Map<string, number[]>();
  const waiters = new Map<string, (at: number[]) => void>();
  let failure: Error | undefined;
  worker.on('message', (msg: { rv?: string; at?: number[]; error?: string }) => {
    if (msg.error) failure = new Error(`bench watcher: ${msg.error}`);
    if (!msg.rv || !msg.at) return;
    const waiter = waiters.get(msg.rv);
    if (waiter) waiter(msg.at);
    else seen.set(msg.rv, msg.at);
  });
  return {
    arrivals(rv: string, timeoutMs: number): Promise<number[]> {
      const done = seen.get(rv);
      if (done) return Promise.resolve(done);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(failure ?? new Error(`bench: not every watcher saw revision ${rv} within ${timeoutMs} ms`)), timeoutMs);
        waiters.set(rv, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      });
    },
    async stop() {
      worker.postMessage('stop');
      await worker.terminate();
    },
  };
}

/**
 * Merge patches over one kept-alive connection. KubeClient opens a TLS
 * connection per request; the handshake is client cost, not the server's
 * event latency, so the timed writes avoid it.
 */
function keepAliveWriter(ts: TestApiServer) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: ts.tls.caCert });
  const base = `${ts.server.url}/apis/test.rdd.io/v1/namespaces/default/widgets/`;
  return {
    patch(name: string, body: unknown): Promise<KubeObject> {
      const payload = JSON.stringify(body);
      return new Promise((resolve, reject) => {
        const req = https.request(
          base + name,
          {
            method: 'PATCH',
            agent,
            headers: { Authorization: `Bearer ${ts.token}`, 'Content-Type': 'application/merge-patch+json', 'Content-Length': Buffer.byteLength(payload) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              if (res.statusCode === 200) resolve(JSON.parse(text) as KubeObject);
              else reject(new Error(`PATCH widget ${name}: HTTP ${res.statusCode}: ${text}`));
            });
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    },
    close: () => agent.destroy(),
  };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
