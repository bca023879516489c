/**
 * Mirror benchmark (docs/performance.md). Run from the repository root, as root (it starts its own dockerd):
 *
 *   npx tsc -p tsconfig.json --outDir .tmp/bench && node .tmp/bench/bench/mirror.js [--containers N] [--volumes N] [--images N] [--samples N]
 *
 * 1. Full sync: a dockerd with N containers (created, not run), N volumes and
 *    M images; time from the App turning Running to ContainerEngineReady=Connected,
 *    and the RSS of this process (API server + engine controller, i.e. the daemon's work).
 * 2. Event latency with those mirrors in place: for each sample a `docker volume create`;
 *    raw = the event reaching a plain `docker events` stream, mirror = the Volume
 *    mirror with its status reaching an API watcher, both from the event's own timestamp.
 * Prints one JSON object, then a one-line summary.
 */
import { execa } from 'execa';
import { loadavg } from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { mirrorAdmission } from '../src/controllers/mirror/mirror-admission.js';
import { applyAppConditions } from '../src/controllers/app-conditions.js';
import { APP_CONTROLLER_MANAGER } from '../src/kube/app.js';
import { createEngineController } from '../src/controllers/mirror/engine-controller.js';
import { APP, APP_NAME, CONTAINER, IMAGE, VOLUME, apiVersionOf } from '../src/kube/resources.js';
import type { KubeObject } from '../src/kube/types.js';
import { createLogger, silentLogger } from '../src/base/log.js';
import { settleAll } from '../src/controllers/mirror/concurrency.js';
import { connectDocker } from '../src/controllers/mirror/docker-client.js';
import { instancePaths } from '../src/base/paths.js';
import { startTestApiServer } from '../test/support/apiserver.js';
import { startDockerd } from '../test/support/dockerd.js';

const NS = 'rancher-desktop';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const round = (n: number) => Math.round(n * 10) / 10;

async function main(): Promise<void> {
  const counts = { containers: arg('containers', 1000), volumes: arg('volumes', 1000), images: arg('images', 100), samples: arg('samples', 200) };
  const dockerd = await startDockerd();
  const api = await startTestApiServer({ admission: mirrorAdmission, crdDir: path.resolve('templates/crds'), retainRevisions: 100_000 });
  const home = await mkdtemp('/tmp/rdd-bench.');
  const abort = new AbortController();
  try {
    const { docker } = await connectDocker(dockerd.socketPath);
    const host = ['-H', `unix://${dockerd.socketPath}`];

    // An image from the host's busybox-static, then distinct images committed from it.
    await execa('sh', ['-c', `tar -C / -c bin/busybox | docker ${host.join(' ')} import --change 'CMD ["/bin/busybox","true"]' - bench:base`]);
    const base = await docker.createContainer({ Image: 'bench:base', Cmd: ['/bin/busybox', 'true'] });
    const seed = Date.now();
    await settleAll([...Array(counts.images - 1).keys()], 8, (i) =>
      base.commit({ repo: 'bench', tag: `img${i}`, changes: [`LABEL n=${i} seed=${seed}`] }),
    );
    await base.remove();
    const setupStart = Date.now();
    const created = await settleAll([...Array(counts.containers).keys()], 16, (i) =>
      docker.createContainer({ Image: `bench:img${i % (counts.images - 1)}`, name: `c${i}`, Cmd: ['/bin/busybox', 'sleep', '1'] }),
    );
    const vols = await settleAll([...Array(counts.volumes).keys()], 16, (i) => docker.createVolume({ Name: `Bench_Vol_${i}` }));
    const failedSetup = [...created, ...vols].filter((r) => r.status === 'rejected').length;
    const setupMs = Date.now() - setupStart;

    const syncLog: Record<string, unknown>[] = [];
    const controller = createEngineController({
      // In-process, as in the daemon.
      client: api.server.localClient(),
      paths: { ...instancePaths('bench', { home }), dockerSocket: dockerd.socketPath },
      log: createLogger({ level: 'info', format: 'json', write: (line) => syncLog.push(JSON.parse(line) as Record<string, unknown>) }),
    });
    await controller.start();

    // Full sync: App Running → ContainerEngineReady=Connected.
    let rssPeak = process.memoryUsage().rss;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 100);
    const syncStart = Date.now();
    const syncCpu = process.cpuUsage();
    const app = await api.client.create(APP, { apiVersion: apiVersionOf(APP), kind: 'App', metadata: { name: APP_NAME }, spec: { running: true } });
    await applyAppConditions(
      api.client,
      APP_CONTROLLER_MANAGER,
      [{ type: 'Running', status: 'True', reason: 'Started', message: 'bench', observedGeneration: app.metadata.generation }],
      silentLogger,
    );
    for (;;) {
      const current = await api.client.get(APP, APP_NAME);
      const ready = (current.status?.conditions as { type: string; reason: string }[] | undefined)?.find((c) => c.type === 'ContainerEngineReady');
      if (ready?.reason === 'Connected') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const syncMs = Date.now() - syncStart;
    const { user, system } = process.cpuUsage(syncCpu);
    clearInterval(sampler);
    const mirrors = (await Promise.all([CONTAINER, IMAGE, VOLUME].map((ref) => api.client.list(ref, { namespace: NS })))).map(
      (l) => l.items.length,
    );

    // Event latency with the mirrors in place.
    const raw = new Map<string, number>();
    const seen = new Map<string, number>();
    const events = (await docker.getEvents({ filters: { type: ['volume'], event: ['create'] } })) as unknown as Readable;
    createInterface({ input: events }).on('line', (line) => {
      const e = JSON.parse(line) as { Actor: { ID: string } };
      raw.set(e.Actor.ID, Date.now());
    });
    void api.client
      .watch(VOLUME, { namespace: NS, signal: abort.signal, resourceVersion: (await api.client.list(VOLUME, { namespace: NS })).metadata.resourceVersion }, (ev) => {
        const name = (ev.object as KubeObject).status?.name as string | undefined;
        if (name && !seen.has(name)) seen.set(name, Date.now());
      })
      .catch(() => undefined);
    const rawLat: number[] = [];
    const mirrorLat: number[] = [];
    for (let i = 0; i < counts.samples; i++) {
      const name = `lat-${i}`;
      const t0 = Date.now();
      await docker.createVolume({ Name: name });
      while (!seen.has(name) || !raw.has(name)) await new Promise((r) => setImmediate(r));
      // The event's own timestamp is second-granular in API 1.41's `time`; take the create call's start instead.
      rawLat.push(raw.get(name)! - t0);
      mirrorLat.push(seen.get(name)! - t0);
    }
    events.destroy();
    rawLat.sort((a, b) => a - b);
    mirrorLat.sort((a, b) => a - b);

    const result = {
      load: round(loadavg()[0]),
      engine: { containers: counts.containers, volumes: counts.volumes, images: counts.images, setupMs, failedSetup },
      mirrors: { containers: mirrors[0], images: mirrors[1], volumes: mirrors[2] },
      fullSync: {
        ms: syncMs,
        engineMs: syncLog.find((l) => l.msg === 'full sync done')?.engineMs,
        writeMs: syncLog.find((l) => l.msg === 'full sync done')?.writeMs,
        cpuMs: Math.round((user + system) / 1000),
        rssPeakMB: round(rssPeak / 2 ** 20),
      },
      latency: {
        samples: counts.samples,
        mirror: { p50: percentile(mirrorLat, 50), p99: percentile(mirrorLat, 99), max: mirrorLat.at(-1) },
        dockerEvents: { p50: percentile(rawLat, 50), p99: percentile(rawLat, 99), max: rawLat.at(-1) },
      },
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(
      `mirror bench: full sync of ${mirrors.join('/')} containers/images/volumes in ${(syncMs / 1000).toFixed(1)} s (${(result.fullSync.cpuMs / 1000).toFixed(1)} s CPU), RSS ${result.fullSync.rssPeakMB} MB; ` +
        `event→mirror p50 ${result.latency.mirror.p50} ms p99 ${result.latency.mirror.p99} ms (docker events p50 ${result.latency.dockerEvents.p50} ms p99 ${result.latency.dockerEvents.p99} ms); load ${result.load}`,
    );
    await controller.stop();
  } finally {
    abort.abort();
    await api.stop().catch(() => undefined);
    await dockerd.stop().catch(() => undefined);
    await rm(home, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
