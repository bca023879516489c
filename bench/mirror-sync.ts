/**
 * One full sync of the mirror bench (bench/mirror.ts), in a process of its
 * own as in the daemon, so its RSS is the sync's alone: the API server and the
 * engine controller (in-process client) against the dockerd at `--socket`.
 * Times the engine's own list+inspect of everything first (the baseline),
 * then the sync from App Running to ContainerEngineReady=Connected; with
 * `--samples N`, then N event→mirror latencies beside a raw `docker events`
 * stream. Prints one JSON object on stdout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { createLogger, silentLogger } from '../src/engine/base/log.js';
import { instancePaths } from '../src/engine/base/paths.js';
import { applyAppConditions } from '../src/engine/controllers/app-conditions.js';
import { settleAll } from '../src/engine/controllers/mirror/concurrency.js';
import { connectDocker } from '../src/engine/controllers/mirror/docker-client.js';
import { createEngineController } from '../src/engine/controllers/mirror/engine-controller.js';
import { mirrorAdmission } from '../src/engine/controllers/mirror/mirror-admission.js';
import { APP_CONTROLLER_MANAGER } from '../src/engine/kube/app.js';
import { APP, APP_NAME, CONTAINER, IMAGE, VOLUME, apiVersionOf } from '../src/engine/kube/resources.js';
import type { KubeObject } from '../src/engine/kube/types.js';
import { tuneJitForBursts } from '../src/engine/daemon/jit-tiering.js';
import { startTestApiServer } from '../test/support/apiserver.js';
import { profileWindow } from './profile.js';
import { threadCpu, threadCpuSince } from './thread-cpu.js';

const NS = 'rancher-desktop';
/** As the full sync inspects. */
const PARALLEL = 16;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

async function main(): Promise<void> {
  // The JIT tiering the daemon runs with (src/engine/daemon/jit-tiering.ts).
  tuneJitForBursts();
  const { values } = parseArgs({ options: { socket: { type: 'string' }, samples: { type: 'string', default: '0' }, profile: { type: 'string' } } });
  const socketPath = values.socket;
  if (!socketPath) throw new Error('--socket is required');
  const samples = Number(values.samples);
  const { docker } = await connectDocker(socketPath);

  // The engine's own cost for the same objects: list everything, inspect every container and image.
  const baselineStart = Date.now();
  const [containers, images] = await Promise.all([docker.listContainers({ all: true }), docker.listImages({ all: false }), docker.listVolumes()]);
  await Promise.all([
    settleAll(containers, PARALLEL, (c) => docker.getContainer(c.Id).inspect()),
    settleAll(images, PARALLEL, (i) => docker.getImage(i.Id).inspect()),
  ]);
  const engineBaselineMs = Date.now() - baselineStart;

  const api = await startTestApiServer({ admission: mirrorAdmission, crdDir: path.resolve('templates/crds'), retainRevisions: 100_000 });
  const home = await mkdtemp('/tmp/rdd-bench.');
  const abort = new AbortController();
  try {
    const client = api.server.localClient();
    const syncLog: Record<string, unknown>[] = [];
    const controller = createEngineController({
      client,
      paths: { ...instancePaths('bench', { home }), dockerSocket: socketPath },
      log: createLogger({ level: 'info', format: 'json', write: (line) => syncLog.push(JSON.parse(line) as Record<string, unknown>) }),
    });
    await controller.start();

    const rssBefore = process.memoryUsage.rss();
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage.rss())), 50);
    const stopProfile = await profileWindow(values.profile);
    const syncStart = Date.now();
    const syncCpu = process.cpuUsage();
    const syncThreads = threadCpu();
    const app = await client.create(APP, { apiVersion: apiVersionOf(APP), kind: 'App', metadata: { name: APP_NAME }, spec: { running: true } });
    await applyAppConditions(
      client,
      APP_CONTROLLER_MANAGER,
      [{ type: 'Running', status: 'True', reason: 'Started', message: 'bench', observedGeneration: app.metadata.generation }],
      silentLogger,
    );
    await new Promise<void>((resolve, reject) => {
      void client
        .watch(APP, { signal: abort.signal }, (ev) => {
          const ready = ((ev.object as KubeObject).status?.conditions as { type: string; reason: string }[] | undefined)?.find(
            (c) => c.type === 'ContainerEngineReady',
          );
          if (ready?.reason === 'Connected') resolve();
        })
        .catch(reject);
    });
    const syncMs = Date.now() - syncStart;
    const { user, system } = process.cpuUsage(syncCpu);
    const threads = threadCpuSince(syncThreads);
    await stopProfile();
    clearInterval(sampler);
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    const mirrors = (await Promise.all([CONTAINER, IMAGE, VOLUME].map((ref) => client.list(ref, { namespace: NS })))).map((l) => l.items.length);
    const done = syncLog.find((l) => l.msg === 'full sync done');

    const latency = samples > 0 ? await eventLatency(api.client, docker, samples, abort.signal) : undefined;
    await controller.stop();
    console.log(
      JSON.stringify({
        engine: { containers: containers.length, images: images.length, baselineMs: engineBaselineMs },
        mirrors: { containers: mirrors[0], images: mirrors[1], volumes: mirrors[2], total: mirrors[0] + mirrors[1] + mirrors[2] },
        fullSync: {
          ms: syncMs,
          listMs: done?.listMs,
          inspectAndWriteMs: done?.syncMs,
          cpuMs: Math.round((user + system) / 1000),
          cpuMainThreadMs: threads.mainMs,
          cpuHelperThreadsMs: threads.helpersMs,
          rssBeforeMB: mb(rssBefore),
          rssPeakMB: mb(rssPeak),
        },
        ...(latency ? { latency } : {}),
      }),
    );
  } finally {
    abort.abort();
    await api.stop().catch(() => undefined);
    await rm(home, { recursive: true, force: true });
  }
}

/** For each sample a `docker volume create`: when a raw `docker events` stream sees it, and when an API watcher sees its mirror. */
async function eventLatency(
  client: Awaited<ReturnType<typeof startTestApiServer>>['client'],
  docker: Awaited<ReturnType<typeof connectDocker>>['docker'],
  samples: number,
  signal: AbortSignal,
) {
  const raw = new Map<string, number>();
  const seen = new Map<string, number>();
  const events = (await docker.getEvents({ filters: { type: ['volume'], event: ['create'] } })) as unknown as Readable;
  createInterface({ input: events }).on('line', (line) => {
    const e = JSON.parse(line) as { Actor: { ID: string } };
    raw.set(e.Actor.ID, Date.now());
  });
  const from = (await client.list(VOLUME, { namespace: NS })).metadata.resourceVersion;
  void client
    .watch(VOLUME, { namespace: NS, signal, resourceVersion: from }, (ev) => {
      const name = (ev.object as KubeObject).status?.name as string | undefined;
      if (name && !seen.has(name)) seen.set(name, Date.now());
    })
    .catch(() => undefined);
  const rawLat: number[] = [];
  const mirrorLat: number[] = [];
  for (let i = 0; i < samples; i++) {
    const name = `lat-${Date.now()}-${i}`;
    const t0 = Date.now();
    await docker.createVolume({ Name: name });
    while (!seen.has(name) || !raw.has(name)) await new Promise((r) => setImmediate(r));
    // The event's own timestamp is second-granular in API 1.41's `time`; take the create call's start instead.
    rawLat.push(raw.get(name)! - t0);
    mirrorLat.push(seen.get(name)! - t0);
  }
  events.destroy();
  await settleAll([...raw.keys()], PARALLEL, (name) => docker.getVolume(name).remove());
  rawLat.sort((a, b) => a - b);
  mirrorLat.sort((a, b) => a - b);
  return {
    samples,
    mirror: { p50: percentile(mirrorLat, 50), p99: percentile(mirrorLat, 99), max: mirrorLat.at(-1) },
    dockerEvents: { p50: percentile(rawLat, 50), p99: percentile(rawLat, 99), max: rawLat.at(-1) },
  };
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
