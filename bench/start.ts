/**
 * Cold and warm start benchmark (docs/performance.md, issue 14 goal 5):
 * `rdd set running=true` from nothing to Settled with the native driver
 * ≤ 2 s p50, and with the daemon up and the engine stopped ≤ 1 s p50.
 * As root (the native driver runs a real dockerd), after `npm run build`:
 *
 *   scripts/bench.sh start [--runs N] [--baseline OTHER_CHECKOUT/bin/rdd]
 *
 * Each run gets a fresh HOME and instance (no service dir), with a daemon.json
 * aiming the engine at the offline registry (as the BATS suites do), and times:
 * cold `rdd set running=true` (creates the service, spawns the daemon, which
 * starts dockerd; exits 0 once Settled), `rdd set running=false`, then warm
 * `rdd set running=true`. `rdd svc delete` ends the run; whatever of the
 * instance is still alive after it is stopped by PID. With --baseline, runs
 * alternate between the two builds, so both see the same machine noise.
 *
 * Phase marks (ms from the command's spawn) come from the timestamped lines
 * of the CLI's progress, the daemon log and the dockerd log: where the time goes.
 * dockerd's own start (its exec to "API listen on") is printed beside the
 * totals: it is the engine's limit, paid inside every start.
 * Prints one JSON object, then a one-line summary.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { instancePaths, type InstancePaths } from '../src/engine/base/paths.js';
import { instanceProcesses, terminate } from '../src/engine/support/processes.js';
import { removeBridge } from '../src/engine/vm/native/bridge.js';
import { unmountUnder } from '../src/engine/vm/native/mounts.js';
import { startRegistry, type TestRegistry } from '../test/support/registry.js';
import { stats } from './stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const COLD_GOAL_MS = 2000;
const WARM_GOAL_MS = 1000;
/** A start that takes longer than this is broken, not slow. */
const COMMAND_TIMEOUT_MS = 120_000;

/** Where each step of a start shows up, as the first line matching after the command began. */
const MARKS = {
  cli: {
    serviceCreating: /creating the rdd service/,
    daemonSpawning: /starting the rdd daemon/,
    appWritten: /App "app" (created|patched)/,
    settled: /settled:/,
  },
  daemon: {
    daemonStarting: /rdd daemon starting/,
    apiListening: /API server listening/,
    daemonReady: /rdd daemon ready/,
    engineSpawned: /started engine/,
    fullSynced: /full sync done/,
  },
  dockerd: {
    dockerdExec: /rdd starts:/,
    dockerdListening: /API listen on/,
  },
} as const;

type Marks = Record<string, number>;
interface Timed {
  ms: number;
  marks: Marks;
}
interface Run {
  cold: Timed;
  stopMs: number;
  warm: Timed;
}

const TIMESTAMP = /(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)/;

/** Milliseconds from `since` (epoch ms) to the first line at or after it that matches each pattern. */
function findMarks(text: string, patterns: Record<string, RegExp>, since: number): Marks {
  const marks: Marks = {};
  for (const line of text.split('\n')) {
    const ts = TIMESTAMP.exec(line);
    if (!ts) continue;
    const at = Date.parse(ts[1]);
    if (at < since - 5) continue;
    for (const [name, pattern] of Object.entries(patterns)) {
      if (marks[name] === undefined && pattern.test(line)) marks[name] = at - since;
    }
  }
  return marks;
}

function readOr(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/** Runs a command to completion; its combined output for the phase marks. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; began: number; output: string }> {
  return new Promise((resolve, reject) => {
    const began = Date.now();
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), COMMAND_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code === 0) resolve({ ms, began, output });
      else reject(new Error(`${command} ${args.join(' ')} ended with ${code ?? signal}:\n${output}`));
    });
  });
}

class Instance {
  readonly home = mkdtempSync('/tmp/rdd-bs.');
  readonly name: string;
  readonly env: NodeJS.ProcessEnv;
  readonly paths: InstancePaths;

  constructor(
    readonly rdd: string,
    index: number,
    registry: string,
  ) {
    this.name = `bs${process.pid}-${index}`;
    this.env = { ...process.env, HOME: this.home, RDD_INSTANCE: this.name, DOCKER_CONFIG: path.join(this.home, '.docker') };
    for (const key of ['XDG_DATA_HOME', 'RDD_LOGS_DIR', 'DOCKER_HOST', 'DOCKER_CONTEXT', 'KUBECONFIG']) delete this.env[key];
    this.paths = instancePaths(this.name, { home: this.home, env: this.env });
    // Only the short dir, with the engine's daemon.json (as bats' use_offline_registry): no service dir.
    mkdirSync(this.paths.shortDir, { recursive: true });
    writeFileSync(this.paths.daemonJson, `${JSON.stringify({ 'registry-mirrors': [`http://${registry}`] })}\n`);
  }

  async set(running: boolean): Promise<Timed> {
    const { ms, began, output } = await run(this.rdd, ['set', `running=${running}`], this.env);
    const marks = {
      ...findMarks(output, MARKS.cli, began),
      ...findMarks(readOr(path.join(this.paths.logDir, 'rdd.log')), MARKS.daemon, began),
      ...findMarks(readOr(path.join(this.paths.logDir, 'dockerd.log')), MARKS.dockerd, began),
    };
    return { ms: Math.round(ms), marks };
  }

  /** `svc delete`, then whatever of this instance survived it, by PID; then the temp HOME. */
  async remove(): Promise<void> {
    await run(this.rdd, ['svc', 'delete'], this.env).catch((err: unknown) => process.stderr.write(`svc delete failed: ${String(err)}\n`));
    const leftovers = instanceProcesses(this.name).map((p) => p.pid);
    if (leftovers.length > 0) {
      process.stderr.write(`stopping leftovers of ${this.name}: ${leftovers.join(' ')}\n`);
      await terminate(leftovers, 10_000);
      await removeBridge(this.paths.shortDir).catch(() => undefined);
    }
    await unmountUnder(this.home);
    rmSync(this.home, { recursive: true, force: true });
  }
}

async function measure(rdd: string, index: number, registry: string): Promise<Run> {
  const instance = new Instance(rdd, index, registry);
  try {
    const cold = await instance.set(true);
    const stop = await instance.set(false);
    const warm = await instance.set(true);
    return { cold, stopMs: stop.ms, warm };
  } finally {
    await instance.remove();
  }
}

/** The median of each mark over the runs that have it. */
function medianMarks(timed: Timed[]): Marks {
  const names = [...new Set(timed.flatMap((t) => Object.keys(t.marks)))];
  const entries = names.map((n) => [n, stats(timed.flatMap((t) => t.marks[n] ?? [])).p50] as const);
  return Object.fromEntries(entries.sort((a, b) => a[1] - b[1]));
}

/** dockerd's own start, exec to "API listen on": the engine's limit, which no change in rdd can beat. */
function dockerdMs(timed: Timed): number[] {
  const { dockerdExec, dockerdListening } = timed.marks;
  return dockerdExec === undefined || dockerdListening === undefined ? [] : [dockerdListening - dockerdExec];
}

function summarize(runs: Run[]) {
  return {
    coldMs: stats(runs.map((r) => r.cold.ms)),
    warmMs: stats(runs.map((r) => r.warm.ms)),
    coldDockerdMs: stats(runs.flatMap((r) => dockerdMs(r.cold))),
    warmDockerdMs: stats(runs.flatMap((r) => dockerdMs(r.warm))),
    stopMs: stats(runs.map((r) => r.stopMs)),
    coldMarksP50: medianMarks(runs.map((r) => r.cold)),
    warmMarksP50: medianMarks(runs.map((r) => r.warm)),
    runs,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, rdd: { type: 'string' }, baseline: { type: 'string' } } });
  if (process.getuid?.() !== 0) throw new Error('bench/start needs root: the native driver runs dockerd with its own bridge');
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, not ${values.runs}`);
  const rdd = path.resolve(values.rdd ?? path.join(root, 'bin', 'rdd'));
  const baseline = values.baseline && path.resolve(values.baseline);

  let ownRegistry: TestRegistry | undefined;
  const registry = process.env.RDD_TEST_REGISTRY ?? (ownRegistry = await startRegistry()).host;
  const load: number[] = [];
  const current: Run[] = [];
  const base: Run[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      load.push(loadavg()[0]);
      // Alternate which build goes first, so neither always follows the other's cleanup.
      const order = baseline ? (i % 2 === 0 ? [rdd, baseline] : [baseline, rdd]) : [rdd];
      for (const [j, build] of order.entries()) {
        const result = await measure(build, i * 2 + j, registry);
        (build === rdd ? current : base).push(result);
        process.stderr.write(`run ${i + 1}/${runs} ${build === rdd ? 'current' : 'baseline'}: cold ${result.cold.ms} ms, warm ${result.warm.ms} ms\n`);
      }
    }
  } finally {
    await ownRegistry?.stop();
  }
  const result = {
    loadavg1: { min: Math.min(...load), max: Math.max(...load) },
    rdd,
    current: summarize(current),
    ...(baseline ? { baselineRdd: baseline, baseline: summarize(base) } : {}),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  const ok = (good: boolean) => (good ? 'PASS' : 'FAIL');
  const { coldMs, warmMs, coldDockerdMs, warmDockerdMs } = result.current;
  const cold = coldMs.p50;
  const warm = warmMs.p50;
  const before = baseline ? ` (baseline cold ${stats(base.map((r) => r.cold.ms)).p50} ms, warm ${stats(base.map((r) => r.warm.ms)).p50} ms)` : '';
  process.stdout.write(
    `start: cold p50 ${cold} ms (≤${COLD_GOAL_MS} ${ok(cold <= COLD_GOAL_MS)}); warm p50 ${warm} ms (≤${WARM_GOAL_MS} ${ok(warm <= WARM_GOAL_MS)})${before}; ` +
      `dockerd's own start p50 cold ${coldDockerdMs.p50} ms, warm ${warmDockerdMs.p50} ms; ` +
      `${runs} runs; load ${result.loadavg1.min.toFixed(2)}–${result.loadavg1.max.toFixed(2)}\n`,
  );
}

await main();
