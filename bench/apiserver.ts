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
 *    An EventRecorder records an event per sample meanwhile, so the figures
 *    hold with events being written.
 * 3. Paging: P objects in another namespace, listed page by page with limit=500.
 * 4. Event TTL: E events on a server whose TTL is 30 s (standing in for kube's
 *    1 h), then the store's event count and database size before and after the sweep
 *    (SQLite reuses freed pages rather than shrinking the file).
 * Prints one JSON object, then a one-line summary.
 */
import https from 'node:https';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { existsSync, statSync } from 'node:fs';
import type { KubeClient } from '../src/engine/kube/client.js';
import { EVENT, EventRecorder } from '../src/engine/kube/events.js';
import { NAMESPACE, type ResourceRef } from '../src/engine/kube/resources.js';
import type { KubeList, KubeObject } from '../src/engine/kube/types.js';
import { startTestApiServer, type TestApiServer } from '../test/support/apiserver.js';
import { stats } from './stats.js';

const WIDGET: ResourceRef = { group: 'test.rdd.io', version: 'v1', plural: 'widgets', kind: 'Widget', namespaced: true };

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      objects: { type: 'string', default: '2000' },
      watchers: { type: 'string', default: '100' },
      samples: { type: 'string', default: '20' },
      paging: { type: 'string', default: '10000' },
      events: { type: 'string', default: '5000' },
    },
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
    const recorder = new EventRecorder(client, { component: 'bench' });
    const fanoutMs: number[] = [];
    let fanoutCpu = process.cpuUsage();
    try {
      // A first write every watcher must see proves they are all connected.
      const warmup = await writer.patch('w-0', { spec: { size: 1 } });
      await watchers.arrivals(warmup.metadata.resourceVersion ?? '', 60_000);
      fanoutCpu = process.cpuUsage();
      for (let i = 0; i < samples; i++) {
        recorder.record({ apiVersion: 'test.rdd.io/v1', kind: 'Widget', name: `w-${i + 1}`, namespace: 'default' }, 'Normal', 'Bench', `sample ${i}`);
        const t0 = performance.timeOrigin + performance.now();
        const updated = await writer.patch(`w-${i + 1}`, { spec: { size: 5 } });
        const lat = (await watchers.arrivals(updated.metadata.resourceVersion ?? '', 10_000)).map((t) => t - t0);
        fanoutMs.push(...lat);
      }
      fanoutCpu = process.cpuUsage(fanoutCpu);
    } finally {
      await recorder.flush();
      writer.close();
      await watchers.stop();
    }
    const paging = await benchPaging(ts, Number(values.paging));
    const eventTtl = await benchEventTtl(Number(values.events));

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
      paging,
      eventTtl,
      targets: { listMs: 150, fanoutP99Ms: 50 },
      pass: list.p50 <= 150 && fanout.p99 <= 50,
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(
      `apiserver: list ${objects} objects p50 ${list.p50} ms (max ${list.max}, ${result.cpuMsPerList} ms CPU); ` +
        `${watcherCount} watchers event p50 ${fanout.p50} ms p99 ${fanout.p99} ms (${result.cpuMsPerFanoutEvent} ms CPU per event); ` +
        `paging ${paging.objects} objects by ${paging.limit}: ${paging.pages} pages in ${paging.totalMs} ms; ` +
        `${eventTtl.events} events: ${eventTtl.dbBytesBefore} → ${eventTtl.dbBytesAfter} bytes after the TTL sweep (${eventTtl.eventsAfter} left); ` +
        `load ${result.loadAverage.toFixed(1)} — ${result.pass ? 'PASS' : 'FAIL'}`,
    );
  } finally {
    await ts.stop();
  }
}

async function createWidgets(client: KubeClient, namespace: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, (_, j) =>
      client.create(WIDGET, { apiVersion: 'test.rdd.io/v1', kind: 'Widget', metadata: { name: `p-${i + j}`, namespace }, spec: { color: 'red' } }),
    );
    await Promise.all(batch);
  }
}

/** Lists `objects` widgets page by page (limit 500) over one kept-alive connection. */
async function benchPaging(ts: TestApiServer, objects: number) {
  const limit = 500;
  await ts.client.create(NAMESPACE, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'paging' } });
  await createWidgets(ts.client, 'paging', objects);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: ts.tls.caCert });
  const pageMs: number[] = [];
  let seen = 0;
  let token = '';
  const t0 = performance.now();
  try {
    do {
      const p0 = performance.now();
      const query = `limit=${limit}${token ? `&continue=${encodeURIComponent(token)}` : ''}`;
      const page = await getJson<KubeList>(ts, agent, `/apis/test.rdd.io/v1/namespaces/paging/widgets?${query}`);
      pageMs.push(performance.now() - p0);
      seen += page.items.length;
      token = page.metadata.continue ?? '';
    } while (token);
  } finally {
    agent.destroy();
  }
  if (seen !== objects) throw new Error(`paged through ${seen} widgets, expected ${objects}`);
  return { objects, limit, pages: pageMs.length, totalMs: Math.round(performance.now() - t0), pageMs: stats(pageMs) };
}

/** Store size before and after the TTL sweep of `count` events (a 30 s TTL stands in for the hour). */
async function benchEventTtl(count: number) {
  const ts = await startTestApiServer({ crdDir: path.resolve('test/fixtures/crds'), eventTtlSeconds: 30 });
  const dbBytes = () => ['rdd.db', 'rdd.db-wal'].reduce((n, f) => n + (existsSync(path.join(ts.dir, f)) ? statSync(path.join(ts.dir, f)).size : 0), 0);
  try {
    const recorder = new EventRecorder(ts.client, { component: 'bench' });
    for (let i = 0; i < count; i++) {
      recorder.record({ apiVersion: 'test.rdd.io/v1', kind: 'Widget', name: `w-${i}`, namespace: 'default' }, 'Warning', 'Failed', 'could not start: bench');
      if (i % 50 === 49) await recorder.flush();
    }
    await recorder.flush();
    const before = (await ts.client.list(EVENT, { namespace: 'default' })).items.length;
    const dbBytesBefore = dbBytes();
    const deadline = Date.now() + 120_000;
    let after = before;
    while (after > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      after = (await ts.client.list(EVENT, { namespace: 'default' })).items.length;
    }
    return { events: before, eventsAfter: after, dbBytesBefore, dbBytesAfter: dbBytes() };
  } finally {
    await ts.stop();
  }
}

function getJson<T>(ts: TestApiServer, agent: https.Agent, urlPath: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${ts.server.url}${urlPath}`, { agent, headers: { Authorization: `Bearer ${ts.token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode === 200) resolve(JSON.parse(text) as T);
        else reject(new Error(`GET ${urlPath}: HTTP ${res.statusCode}: ${text}`));
      });
    });
    req.on('error', reject);
    req.end();
  });
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
