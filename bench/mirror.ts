/**
 * Mirror benchmark (docs/performance.md), as root (it starts its own dockerd):
 *
 *   scripts/bench.sh mirror [--scale 1000,5000,10000] [--samples 200] [--profile FILE] [--repeat N] [--compare DIR]
 *
 * `--repeat N` syncs N times per scale (a fresh process each) and judges the
 * run of median CPU time; `--compare DIR` runs another build's sync
 * (DIR/bench/mirror-sync.js, e.g. main compiled with tsc --outDir DIR) before
 * each of ours against the same engine objects, for before/after figures on
 * a shared machine.
 *
 * For each scale N (ascending), the private dockerd is grown to N containers
 * (created, not run), N volumes and N/10 images, and a fresh sync process
 * (bench/mirror-sync.ts: API server + engine controller, as in the daemon)
 * times the engine's own list+inspect of them (the baseline) and then a full
 * sync from nothing. At the largest scale it also measures event→mirror
 * latency beside raw `docker events`. Prints one JSON object per scale, a
 * summary line per scale, and a verdict line with PASS/FAIL per goal.
 */
import { execa } from 'execa';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type Docker from 'dockerode';
import { settleAll } from '../src/engine/controllers/mirror/concurrency.js';
import { connectDocker } from '../src/engine/controllers/mirror/docker-client.js';
import { startDockerd } from '../test/support/dockerd.js';

interface SyncResult {
  engine: { containers: number; images: number; baselineMs: number };
  mirrors: { containers: number; images: number; volumes: number; total: number };
  fullSync: {
    ms: number;
    listMs?: number;
    inspectAndWriteMs?: number;
    cpuMs: number;
    /** Absent from builds before they were measured (--compare). */
    cpuMainThreadMs?: number;
    cpuHelperThreadsMs?: number;
    rssBeforeMB: number;
    rssPeakMB: number;
  };
  latency?: { samples: number; mirror: { p50: number; p99: number; max: number }; dockerEvents: { p50: number; p99: number; max: number } };
}

const GOALS = {
  /** At 1,000 containers + 1,000 volumes + 100 images. */
  syncMs: 2500,
  syncCpuMs: 2000,
  baselineRatio: 3,
  /** Per-object sync time and RSS growth, largest scale against smallest: at most this much more. */
  flatness: 0.25,
  /** At 10,000 + 10,000 + 1,000. */
  bigSyncMs: 30_000,
  bigRssMB: 400,
  /** Event→mirror p99 over raw `docker events` p99. */
  latencyOverMs: 20,
};

const here = path.dirname(fileURLToPath(import.meta.url));
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

/** Grows the engine to n containers, n volumes and max(2, n/10) images (names c<i>, Bench_Vol_<i>, bench:img<i>). */
async function grow(docker: Docker, socketPath: string, have: { n: number; images: number }, n: number): Promise<void> {
  const images = Math.max(2, Math.round(n / 10));
  if (have.images === 0) {
    await execa('sh', ['-c', `tar -C / -c bin/busybox | docker -H unix://${socketPath} import --change 'CMD ["/bin/busybox","true"]' - bench:base`]);
  }
  const base = await docker.createContainer({ Image: 'bench:base', Cmd: ['/bin/busybox', 'true'] });
  const seed = Date.now();
  await settleAll([...Array(images - Math.max(1, have.images)).keys()].map((i) => i + Math.max(1, have.images) - 1), 8, (i) =>
    base.commit({ repo: 'bench', tag: `img${i}`, changes: [`LABEL n=${i} seed=${seed}`] }),
  );
  await base.remove();
  const fresh = [...Array(n - have.n).keys()].map((i) => i + have.n);
  const made = await settleAll(fresh, 16, (i) =>
    docker.createContainer({ Image: `bench:img${i % (images - 1)}`, name: `c${i}`, Cmd: ['/bin/busybox', 'sleep', '1'] }),
  );
  const vols = await settleAll(fresh, 16, (i) => docker.createVolume({ Name: `Bench_Vol_${i}` }));
  const failed = [...made, ...vols].filter((r) => r.status === 'rejected');
  if (failed.length) throw new Error(`could not create ${failed.length} engine objects: ${String((failed[0] as PromiseRejectedResult).reason)}`);
  have.n = n;
  have.images = images;
}

async function syncOnce(socketPath: string, samples: number, profile?: string, buildDir = path.dirname(here)): Promise<SyncResult> {
  const args = [path.join(buildDir, 'bench', 'mirror-sync.js'), '--socket', socketPath, '--samples', String(samples), ...(profile ? ['--profile', profile] : [])];
  const { stdout } = await execa(process.execPath, args, { stderr: 'inherit' });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as SyncResult;
}

type ScaleResult = SyncResult & { scale: number; load: number };

/** A compared build from before the split was measured reports no thread figures. */
function mainThreadShare(s: SyncResult['fullSync']): string {
  return s.cpuMainThreadMs === undefined ? '' : `, ${round(s.cpuMainThreadMs / 1000, 2)} s of it on the main thread`;
}

function describeRun(label: string, r: ScaleResult): string {
  const s = r.fullSync;
  return (
    `${label} ${r.scale}: full sync of ${r.mirrors.containers}/${r.mirrors.images}/${r.mirrors.volumes} containers/images/volumes in ${round(s.ms / 1000, 2)} s ` +
    `(${round(s.cpuMs / 1000, 2)} s CPU${mainThreadShare(s)}; engine list+inspect alone ${round(r.engine.baselineMs / 1000, 2)} s, ${round(s.ms / r.engine.baselineMs, 2)}×), ` +
    `${round(s.ms / r.mirrors.total, 3)} ms and ${round(((s.rssPeakMB - s.rssBeforeMB) * 1024) / r.mirrors.total, 1)} KB per object, RSS peak ${s.rssPeakMB} MB; load ${r.load}`
  );
}

/** The run of median CPU time (the lower middle one for an even count). */
function medianRun(runs: ScaleResult[]): ScaleResult {
  return [...runs].sort((a, b) => a.fullSync.cpuMs - b.fullSync.cpuMs)[Math.floor((runs.length - 1) / 2)];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string', default: '1000' },
      samples: { type: 'string', default: '200' },
      profile: { type: 'string' },
      repeat: { type: 'string', default: '1' },
      compare: { type: 'string' },
    },
  });
  const scales = values.scale.split(',').map(Number).sort((a, b) => a - b);
  if (scales.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--scale wants positive integers, e.g. 1000,5000,10000 (got ${values.scale})`);
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat wants a positive integer (got ${values.repeat})`);
  const compare = values.compare && path.resolve(values.compare);
  const dockerd = await startDockerd();
  try {
    const { docker } = await connectDocker(dockerd.socketPath);
    const have = { n: 0, images: 0 };
    const results: ScaleResult[] = [];
    const compared: ScaleResult[] = [];
    for (const [i, n] of scales.entries()) {
      await grow(docker, dockerd.socketPath, have, n);
      const runs: ScaleResult[] = [];
      const others: ScaleResult[] = [];
      for (let k = 0; k < repeat; k++) {
        if (compare) {
          const other = { scale: n, ...(await syncOnce(dockerd.socketPath, 0, undefined, compare)), load: round(loadavg()[0]) };
          others.push(other);
          console.log(describeRun('mirror bench (compared build)', other));
        }
        // Latency samples and the profile go with the last run at the largest scale.
        const last = i === scales.length - 1 && k === repeat - 1;
        const r = { scale: n, ...(await syncOnce(dockerd.socketPath, last ? Number(values.samples) : 0, last ? values.profile : undefined)), load: round(loadavg()[0]) };
        runs.push(r);
        console.log(JSON.stringify(r, null, 2));
        console.log(describeRun('mirror bench', r));
      }
      // The latency measured in the last run belongs to the scale's result, whichever run that is.
      const latency = runs.at(-1)?.latency;
      results.push({ ...medianRun(runs), ...(latency ? { latency } : {}) });
      if (others.length) compared.push(medianRun(others));
    }
    if (repeat > 1) for (const r of results) console.log(describeRun(`mirror bench median of ${repeat}`, r));
    for (const r of compared) console.log(describeRun(`mirror bench (compared build) median of ${repeat}`, r));
    console.log(summary(results));
  } finally {
    await dockerd.stop().catch(() => undefined);
  }
}

function summary(results: ScaleResult[]): string {
  const parts: string[] = [];
  const at = (n: number) => results.find((r) => r.scale === n);
  const k1 = at(1000);
  if (k1) {
    const s = k1.fullSync;
    parts.push(`1k sync ${s.ms} ms (≤${GOALS.syncMs} ${verdict(s.ms <= GOALS.syncMs)})`);
    parts.push(`CPU ${s.cpuMs} ms (≤${GOALS.syncCpuMs} ${verdict(s.cpuMs <= GOALS.syncCpuMs)})`);
    const ratio = s.ms / k1.engine.baselineMs;
    parts.push(`${round(ratio, 2)}× engine (≤${GOALS.baselineRatio}× ${verdict(ratio <= GOALS.baselineRatio)})`);
  }
  if (results.length > 1) {
    const [small, big] = [results[0], results.at(-1)!];
    const perObj = (r: SyncResult) => r.fullSync.ms / r.mirrors.total;
    const rssPerObj = (r: SyncResult) => (r.fullSync.rssPeakMB - r.fullSync.rssBeforeMB) / r.mirrors.total;
    const t = perObj(big) / perObj(small) - 1;
    const m = rssPerObj(big) / rssPerObj(small) - 1;
    // Linear growth: the largest scale costs at most 25 % more per object than the smallest (less is fixed costs spreading out).
    const pct = (x: number) => `${x >= 0 ? '+' : ''}${Math.round(x * 100)} %`;
    parts.push(`time/object ${pct(t)} from ${small.scale} to ${big.scale} (≤+${GOALS.flatness * 100} % ${verdict(t <= GOALS.flatness)})`);
    parts.push(`RSS/object ${pct(m)} (≤+${GOALS.flatness * 100} % ${verdict(m <= GOALS.flatness)})`);
  }
  const k10 = at(10_000);
  if (k10) {
    const s = k10.fullSync;
    parts.push(`10k sync ${round(s.ms / 1000, 1)} s (≤30 s ${verdict(s.ms <= GOALS.bigSyncMs)})`);
    parts.push(`RSS ${s.rssPeakMB} MB (≤${GOALS.bigRssMB} ${verdict(s.rssPeakMB <= GOALS.bigRssMB)})`);
  }
  const lat = results.at(-1)?.latency;
  if (lat) {
    const over = lat.mirror.p99 - lat.dockerEvents.p99;
    parts.push(
      `event→mirror p99 ${lat.mirror.p99} ms vs docker events ${lat.dockerEvents.p99} ms at ${results.at(-1)!.mirrors.total} mirrors (+${over} ≤${GOALS.latencyOverMs} ${verdict(over <= GOALS.latencyOverMs)})`,
    );
  }
  return `mirror bench verdict: ${parts.join('; ')}`;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
