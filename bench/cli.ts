/**
 * CLI start-up benchmark (docs/performance.md, "CLI"). Goals, each against a
 * baseline measured in the same run:
 *
 *   rdd version       ≤ 1.25 × a bare `node -e 0`
 *   rdd ctl get app   ≤ 1.2 × raw `kubectl get app` with the same kubeconfig
 *   rdd status        ≤ 300 ms with the daemon up
 *
 * Needs a build (it runs bin/rdd) and kubectl on PATH. From the repository root:
 *
 *   npm run build && scripts/bench.sh cli [--samples N]
 *
 * Starts a throwaway instance (daemon only, no engine) in a temp HOME, then
 * runs every command once per round, `--samples` rounds, each round in a
 * rotated order so that all of them see the same machine noise; deletes the
 * instance. Prints one JSON object, then a one-line summary with PASS/FAIL per
 * goal. The exit code says whether the bench ran, not whether it passed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { instancePaths } from '../src/engine/base/paths.js';
import { stats } from './stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const rdd = path.join(root, 'bin', 'rdd');

const GOALS = { versionRatio: 1.25, ctlRatio: 1.2, statusMs: 300 };

/** CPU time of this process's waited-for children (Linux; 10 ms ticks, so meaningful as a mean). */
function childrenCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

interface Command {
  name: string;
  file: string;
  args: string[];
  wallMs: number[];
  cpuMs: number;
}

function runOnce(env: NodeJS.ProcessEnv, c: Command): void {
  const cpuBefore = childrenCpuMs();
  const started = process.hrtime.bigint();
  const result = spawnSync(c.file, c.args, { env, encoding: 'utf8' });
  c.wallMs.push(Number(process.hrtime.bigint() - started) / 1e6);
  c.cpuMs += (childrenCpuMs() ?? 0) - (cpuBefore ?? 0);
  if (result.status !== 0) throw new Error(`${c.name} exited ${result.status}: ${result.stderr}`);
}

function main(): void {
  const { values } = parseArgs({ options: { samples: { type: 'string', default: '20' } } });
  const samples = Number(values.samples);
  if (!Number.isInteger(samples) || samples < 1) throw new Error(`--samples must be a positive integer, not ${values.samples}`);
  const home = mkdtempSync('/tmp/rdd-bench.');
  const instance = 'bench-cli';
  const env = { ...process.env, HOME: home, RDD_INSTANCE: instance };
  const paths = instancePaths(instance, { home, env });
  const command = (name: string, file: string, args: string[]): Command => ({ name, file, args, wallMs: [], cpuMs: 0 });
  const commands = [
    command('node -e 0', process.execPath, ['-e', '0']),
    command('rdd version', rdd, ['version']),
    command('kubectl get app', 'kubectl', ['--kubeconfig', paths.kubeconfig, '--cache-dir', paths.kubectlCacheDir, 'get', 'app']),
    command('rdd ctl get app', rdd, ['ctl', 'get', 'app']),
    command('rdd status', rdd, ['status']),
  ];
  try {
    runOnce(env, command('rdd set', rdd, ['set', '--wait=false', 'running=false']));
    for (let i = 0; i < samples; i++) {
      for (let j = 0; j < commands.length; j++) runOnce(env, commands[(i + j) % commands.length]);
    }
    const [node, version, kubectl, ctl, status] = commands.map((c) => ({
      ...stats(c.wallMs),
      min: Math.round(Math.min(...c.wallMs) * 10) / 10,
      cpuMs: childrenCpuMs() === undefined ? null : Math.round(c.cpuMs / samples),
    }));
    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    const result = {
      loadavg1: Math.round(loadavg()[0] * 100) / 100,
      samples,
      nodeMs: node,
      versionMs: version,
      kubectlGetAppMs: kubectl,
      ctlGetAppMs: ctl,
      statusMs: status,
      versionRatio: ratio(version.p50, node.p50),
      ctlRatio: ratio(ctl.p50, kubectl.p50),
      goals: GOALS,
      pass: {
        version: ratio(version.p50, node.p50) <= GOALS.versionRatio,
        ctl: ratio(ctl.p50, kubectl.p50) <= GOALS.ctlRatio,
        status: status.p50 <= GOALS.statusMs,
      },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    const ok = (good: boolean) => (good ? 'PASS' : 'FAIL');
    const all = Object.values(result.pass).every(Boolean);
    process.stdout.write(
      `${ok(all)} cli: version p50 ${version.p50} ms = ${result.versionRatio}x node -e 0 ${node.p50} ms (≤${GOALS.versionRatio}x ${ok(result.pass.version)}); ` +
        `ctl get app p50 ${ctl.p50} ms = ${result.ctlRatio}x kubectl ${kubectl.p50} ms (≤${GOALS.ctlRatio}x ${ok(result.pass.ctl)}); ` +
        `status p50 ${status.p50} ms (≤${GOALS.statusMs} ms ${ok(result.pass.status)}); ${samples} samples, load ${result.loadavg1}\n`,
    );
  } finally {
    spawnSync(rdd, ['svc', 'delete'], { env, stdio: 'ignore' });
    rmSync(home, { recursive: true, force: true });
  }
}

main();
