/**
 * The mirror's write path without an engine (docs/performance.md): N
 * container-, N volume- and N/10 image-shaped mirrors, written exactly as a
 * full sync writes new mirrors (applyMirror: a create carrying the status,
 * 16 in flight per kind) through the in-process client, with the
 * engine controller's watches of the three kinds open. Reports the CPU and
 * wall time per object, so the server's share of a sync can be measured and
 * profiled in seconds instead of minutes. Needs no root:
 *
 *   scripts/bench.sh write-path [--objects 1000] [--profile FILE]
 */
import path from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { settleAll } from '../src/engine/controllers/mirror/concurrency.js';
import { containerMirror, imageMirrors, volumeMirror, type MirrorDesired } from '../src/engine/controllers/mirror/mapping.js';
import { mirrorAdmission } from '../src/engine/controllers/mirror/mirror-admission.js';
import { applyMirror } from '../src/engine/controllers/mirror/mirror-store.js';
import { Informer } from '../src/engine/kube/informer.js';
import { CONTAINER, IMAGE, NAMESPACE, VOLUME } from '../src/engine/kube/resources.js';
import { silentLogger } from '../src/engine/base/log.js';
import { tuneJitForBursts } from '../src/engine/daemon/jit-tiering.js';
import { startTestApiServer } from '../test/support/apiserver.js';
import { profileWindow } from './profile.js';

const NS = 'rancher-desktop';

function desiredMirrors(n: number): MirrorDesired[][] {
  const hex = (i: number, salt: string) => (salt + i.toString(16)).padStart(64, '0');
  const created = '2026-11-30T06:00:00.000000000Z';
  const containers = [...Array(n).keys()].map((i) =>
    containerMirror({
      Id: hex(i, 'c'),
      Name: `/c${i}`,
      Created: created,
      Path: '/bin/busybox',
      Args: ['sleep', '1'],
      Image: `sha256:${hex(i % 100, 'a')}`,
      State: { Status: 'created', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 0, ExitCode: 0, Error: '', StartedAt: '0001-01-01T00:00:00Z', FinishedAt: '0001-01-01T00:00:00Z' },
      Config: { Image: `bench:img${i % 100}`, Labels: { n: String(i) } },
      NetworkSettings: { Ports: {} },
    }),
  );
  const volumes = [...Array(n).keys()].map((i) =>
    volumeMirror({ Name: `Bench_Vol_${i}`, Driver: 'local', Mountpoint: `/var/lib/docker/volumes/Bench_Vol_${i}/_data`, CreatedAt: '2026-11-30T06:00:00Z', Labels: null, Scope: 'local', Options: null }),
  );
  const images = [...Array(Math.max(1, Math.round(n / 10))).keys()].flatMap((i) =>
    imageMirrors({ Id: `sha256:${hex(i, 'a')}`, RepoTags: [`bench:img${i}`], RepoDigests: [], Created: created, Architecture: 'amd64', Os: 'linux', Size: 2_000_000 + i, Config: { Labels: { n: String(i) } } }),
  );
  return [containers, volumes, images];
}

async function main(): Promise<void> {
  // The JIT tiering the daemon runs with (src/engine/daemon/jit-tiering.ts).
  tuneJitForBursts();
  const { values } = parseArgs({ options: { objects: { type: 'string', default: '1000' }, profile: { type: 'string' } } });
  const n = Number(values.objects);
  const api = await startTestApiServer({ admission: mirrorAdmission, crdDir: path.resolve('templates/crds'), retainRevisions: 100_000 });
  const client = api.server.localClient();
  const informers = [CONTAINER, VOLUME, IMAGE].map((ref) => new Informer(client, ref, { log: silentLogger }));
  try {
    await client.create(NAMESPACE, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await Promise.all(informers.map((i) => i.start()));
    const kinds = desiredMirrors(n);
    const objects = kinds.reduce((sum, k) => sum + k.length, 0);
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const stopProfile = await profileWindow(values.profile);
    // The store's revision counts the writes: one per mirror where the status goes in with the create.
    const revision = async () => Number((await client.list(NAMESPACE)).metadata.resourceVersion);
    const revisionBefore = await revision();
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    const results = await Promise.all(kinds.map((desired) => settleAll(desired, 16, (d) => applyMirror(client, NS, d, null))));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const { user, system } = process.cpuUsage(cpu);
    await stopProfile();
    const writes = (await revision()) - revisionBefore;
    const failed = results.flat().filter((r) => r.status === 'rejected');
    if (failed.length) throw new Error(`${failed.length} writes failed, first: ${(failed[0] as PromiseRejectedResult).reason}`);
    const cpuMs = (user + system) / 1000;
    const result = {
      load: Math.round(loadavg()[0] * 10) / 10,
      objects,
      writes,
      ms: Math.round(ms),
      cpuMs: Math.round(cpuMs),
      cpuPerObjectMs: Math.round((cpuMs / objects) * 1000) / 1000,
      rssGrowthMB: Math.round(((process.memoryUsage().rss - rssBefore) / 2 ** 20) * 10) / 10,
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(
      `write-path bench: ${objects} mirrors (${result.writes} writes) in ${result.ms} ms, ${result.cpuMs} ms CPU (${result.cpuPerObjectMs} ms per mirror); load ${result.load}`,
    );
  } finally {
    await Promise.all(informers.map((i) => i.stop()));
    await api.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
