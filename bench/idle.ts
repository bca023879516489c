/**
 * Idle footprint of the daemon (docs/performance.md: RSS ≤ 80 MB and CPU ≤ 0.2 % over 60 s with
 * the engine running and 100 mirrors). Needs a build (it runs bin/rdd) and root (native driver):
 *
 *   npm run build && scripts/bench.sh idle [--seconds 60] [--objects 100] [--settle 30]
 *   npm run build && scripts/bench.sh idle --seconds 3 --objects 5 --settle 1     # CI smoke
 *   scripts/bench.sh idle --rdd /path/to/other/checkout/bin/rdd                   # another build, e.g. before a change
 *
 * One throwaway instance in a temp HOME, its engine pointed at the offline registry:
 *   1. `api`: the daemon with the API server only (`rdd set running=false`);
 *   2. `engine`: the same daemon after `rdd set running=true` (native dockerd), with `--objects`
 *      engine objects (busybox, half created containers, half volumes) all mirrored.
 * Each case waits `--settle` s, then reads the daemon's /proc/<pid>/stat and status over
 * `--seconds`: CPU (utime+stime of all threads) as a share of one core, RSS (min/max/last), and
 * the context switches of all its threads (each one a wake-up). Also prints what each heavy module
 * costs on its own (a fresh `node` importing only it). Prints one JSON object, then a summary line.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { instancePaths, type InstancePaths } from '../src/engine/base/paths.js';
import { KubeClient } from '../src/engine/kube/client.js';
import { CONTAINER, IMAGE, VOLUME } from '../src/engine/kube/resources.js';
import { startRegistry } from '../test/support/registry.js';

const RSS_GOAL_MB = 80;
const CPU_GOAL_PCT = 0.2;
const NS = 'rancher-desktop';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
/**
 * What the daemon loads, each measured alone: its dependencies (x509 needs its reflect polyfill
 * first), and the whole graphs of the daemon and its big parts from the build.
 */
const MODULES: Record<string, string[]> = {
  'better-sqlite3': ['better-sqlite3'],
  yaml: ['yaml'],
  dockerode: ['dockerode'],
  execa: ['execa'],
  ws: ['ws'],
  tar: ['tar'],
  '@peculiar/x509': ['reflect-metadata', '@peculiar/x509'],
  commander: ['commander'],
  'fast-json-patch': ['fast-json-patch'],
  'dist/engine/apiserver/server.js': ['./dist/engine/apiserver/server.js'],
  'dist/engine/controllers/mirror/engine-controller.js': ['./dist/engine/controllers/mirror/engine-controller.js'],
  'dist/engine/daemon/run-daemon.js': ['./dist/engine/daemon/run-daemon.js'],
  'dist/commands/program/program.js (the CLI the daemon starts through)': ['./dist/commands/program/program.js'],
};

interface ProcSample {
  at: number;
  cpuTicks: number;
  rssKb: number;
  switches: number;
}

function sample(pid: number): ProcSample {
  // Fields after the parenthesised command: utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  let switches = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const t = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      switches += Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(t)?.[1]) + Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(t)?.[1]);
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return { at: performance.now(), cpuTicks: Number(fields[11]) + Number(fields[12]), rssKb, switches };
}

/** Samples the process once a second over `seconds`; CPU is the share of one core over the whole window. */
async function measure(pid: number, seconds: number) {
  const samples = [sample(pid)];
  for (let i = 0; i < seconds; i++) {
    await delay(1000);
    samples.push(sample(pid));
  }
  const first = samples[0];
  const last = samples.at(-1)!;
  const wallS = (last.at - first.at) / 1000;
  const mb = (kb: number) => Math.round(kb / 102.4) / 10;
  const rss = samples.map((s) => s.rssKb);
  return {
    seconds: Math.round(wallS * 10) / 10,
    cpuPercent: Math.round(((last.cpuTicks - first.cpuTicks) / CLK_TCK / wallS) * 100 * 1000) / 1000,
    cpuMs: ((last.cpuTicks - first.cpuTicks) * 1000) / CLK_TCK,
    rssMb: { min: mb(Math.min(...rss)), max: mb(Math.max(...rss)), last: mb(last.rssKb) },
    wakeupsPerS: Math.round(((last.switches - first.switches) / wallS) * 10) / 10,
  };
}

/** RSS and time of a fresh node that imports one module, minus a bare node's (the same script importing nothing). */
function moduleCost(specifiers: string[]) {
  const imports = specifiers.map((s) => `await import(${JSON.stringify(s)});`).join('');
  const script = `const t=performance.now();${imports}console.log(JSON.stringify({ms:performance.now()-t,rss:process.memoryUsage().rss}))`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  return JSON.parse(out) as { ms: number; rss: number };
}

function moduleCosts() {
  const bare = moduleCost([]);
  return Object.fromEntries(
    Object.entries(MODULES).map(([name, specifiers]) => {
      const c = moduleCost(specifiers);
      return [name, { ms: Math.round(c.ms), rssMb: Math.round((c.rss - bare.rss) / 1e5) / 10 }];
    }),
  );
}

function run(env: NodeJS.ProcessEnv, command: string, args: string[]): string {
  const result = spawnSync(command, args, { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout.trim();
}

function daemonPid(paths: InstancePaths): number {
  return Number.parseInt(readFileSync(paths.pidFile, 'utf8'), 10);
}

async function mirrors(client: KubeClient): Promise<number> {
  let n = 0;
  for (const ref of [CONTAINER, IMAGE, VOLUME]) n += (await client.list(ref, { namespace: NS })).items.length;
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '60' },
      objects: { type: 'string', default: '100' },
      settle: { type: 'string', default: '30' },
      rdd: { type: 'string', default: path.join(root, 'bin', 'rdd') },
    },
  });
  const rdd = values.rdd;
  const seconds = Number(values.seconds);
  const objects = Number(values.objects);
  const settleMs = Number(values.settle) * 1000;
  const home = mkdtempSync('/tmp/rdd-bench-idle.');
  const instance = 'bench-idle';
  const env = { ...process.env, HOME: home, RDD_INSTANCE: instance };
  const paths = instancePaths(instance, { home, env });
  const modules = moduleCosts();
  const registry = await startRegistry();
  const docker = (...args: string[]) => run({ ...env, DOCKER_CONFIG: path.join(home, 'docker-config') }, 'docker', ['--host', `unix://${paths.dockerSocket}`, ...args]);
  try {
    mkdirSync(paths.shortDir, { recursive: true });
    writeFileSync(paths.daemonJson, JSON.stringify({ 'registry-mirrors': [registry.url] }));

    run(env, rdd, ['set', '--wait=false', 'running=false']);
    await delay(settleMs);
    const api = await measure(daemonPid(paths), seconds);

    run(env, rdd, ['set', 'running=true']);
    docker('pull', 'busybox');
    const containers = Math.floor(objects / 2);
    for (let i = 0; i < containers; i++) docker('create', 'busybox', 'true');
    for (let i = containers; i < objects; i++) docker('volume', 'create', `bench-idle-${i}`);
    const client = KubeClient.fromFile(paths.kubeconfig);
    // The image is one more mirror.
    while ((await mirrors(client)) < objects + 1) await delay(200);
    await delay(settleMs);
    const engine = { mirrors: await mirrors(client), ...(await measure(daemonPid(paths), seconds)) };

    const result = { rdd, loadavg1: Math.round(loadavg()[0] * 100) / 100, settleS: settleMs / 1000, api, engine, modules };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    const ok = (good: boolean) => (good ? 'PASS' : 'FAIL');
    const figures = (m: typeof api) =>
      `RSS ${m.rssMb.last} MB (max ${m.rssMb.max}), CPU ${m.cpuPercent} % over ${m.seconds} s, ${m.wakeupsPerS} wakeups/s`;
    const pass = engine.rssMb.max <= RSS_GOAL_MB && engine.cpuPercent <= CPU_GOAL_PCT;
    process.stdout.write(
      `idle: ${ok(pass)} engine + ${engine.mirrors} mirrors: ${figures(engine)} (goal ≤ ${RSS_GOAL_MB} MB, ≤ ${CPU_GOAL_PCT} %); ` +
        `API server only: ${figures(api)}; load ${result.loadavg1}\n`,
    );
  } finally {
    spawnSync(rdd, ['svc', 'delete'], { env, stdio: 'ignore' });
    await registry.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
