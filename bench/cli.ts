/**
 * CLI start-up benchmark (docs/performance.md: `rdd version` ≤ 250 ms; `rdd ctl get app`
 * within 150 ms of raw kubectl). Needs a build (it runs bin/rdd). From the
 * repository root:
 *
 *   npm run build && npx tsc -p tsconfig.json --outDir .tmp/bench && node .tmp/bench/bench/cli.js [--samples N]
 *
 * Starts a throwaway instance (daemon only, no engine) in a temp HOME, times
 * `rdd version`, then `rdd ctl get app` and the same raw `kubectl get app`
 * alternately so both see the same machine noise, and deletes the instance.
 * Prints one JSON object, then a one-line summary.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { instancePaths } from '../src/base/paths.js';
import { stats } from './stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const rdd = path.join(root, 'bin', 'rdd');

function timed(env: NodeJS.ProcessEnv, command: string, args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

function main(): void {
  const { values } = parseArgs({ options: { samples: { type: 'string', default: '20' } } });
  const samples = Number(values.samples);
  const home = mkdtempSync('/tmp/rdd-bench.');
  const instance = 'bench-cli';
  const env = { ...process.env, HOME: home, RDD_INSTANCE: instance };
  const paths = instancePaths(instance, { home, env });
  try {
    timed(env, rdd, ['set', '--wait=false', 'running=false']);
    const version: number[] = [];
    const ctl: number[] = [];
    const kubectl: number[] = [];
    for (let i = 0; i < samples; i++) {
      version.push(timed(env, rdd, ['version']));
      ctl.push(timed(env, rdd, ['ctl', 'get', 'app']));
      kubectl.push(timed(env, 'kubectl', ['--kubeconfig', paths.kubeconfig, '--cache-dir', paths.kubectlCacheDir, 'get', 'app']));
    }
    const result = {
      loadavg1: Math.round(loadavg()[0] * 100) / 100,
      versionMs: stats(version),
      ctlGetAppMs: stats(ctl),
      kubectlGetAppMs: stats(kubectl),
      ctlOverheadP50Ms: Math.round(stats(ctl).p50 - stats(kubectl).p50),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    const ok = (good: boolean) => (good ? 'PASS' : 'FAIL');
    process.stdout.write(
      `cli: version p50 ${result.versionMs.p50} ms (≤250 ${ok(result.versionMs.p50 <= 250)}); ` +
        `ctl get app p50 ${result.ctlGetAppMs.p50} ms vs kubectl ${result.kubectlGetAppMs.p50} ms, ` +
        `+${result.ctlOverheadP50Ms} ms (≤150 ${ok(result.ctlOverheadP50Ms <= 150)}); load ${result.loadavg1}\n`,
    );
  } finally {
    spawnSync(rdd, ['svc', 'delete'], { env, stdio: 'ignore' });
    rmSync(home, { recursive: true, force: true });
  }
}

main();
