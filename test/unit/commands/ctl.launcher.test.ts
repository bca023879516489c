import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { instancePaths, resolveInstance } from '../../../src/engine/base/paths.js';
import { kubectlArgs } from '../../../src/commands/ctl.js';
import { GLOBAL_OPTIONS, GLOBALS_TAKING_VALUE } from '../../../src/commands/program/global-options.js';
import { optionValue } from '../../../src/commands/program/report-error.js';
import { processStartToken } from '../../../src/engine/service/process-info.js';

/**
 * bin/rdd execs kubectl itself for `rdd ctl` only when it reaches the answer
 * src/commands/ctl.ts would: the same kubectl arguments, the same instance
 * paths, a kubeconfig and a live daemon. Everything else must reach Node
 * untouched. Stand-ins for kubectl and node on PATH print who ran, their PID
 * (a kubectl exec'd by the launcher has the launcher's own PID) and their
 * arguments.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const launcher = path.join(root, 'bin', 'rdd');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'rdd-launcher-'));
const home = path.join(tmp, 'home');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const REPORT = '#!/bin/sh\n{ printf "%s\\0%s\\0" "${0##*/}" "$$"; printf "%s\\0" "$@"; }\n';
function fakeBin(name: string, tools: string[]): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir);
  for (const tool of tools) {
    writeFileSync(path.join(dir, tool), REPORT);
    chmodSync(path.join(dir, tool), 0o755);
  }
  return dir;
}
const withKubectl = `${fakeBin('bin', ['kubectl', 'node'])}:/usr/bin:/bin`;
/** Only what the launcher itself runs: the system dirs hold a real kubectl. */
const withoutKubectl = fakeBin('bin-no-kubectl', ['node']);
for (const tool of ['uname', 'readlink', 'ps']) {
  const found = spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
  symlinkSync(found, path.join(withoutKubectl, tool));
}

const live = `${process.pid}\n${processStartToken(process.pid)}\n`;
function instance(name: string, pidFile: string | undefined, dataHome = path.join(home, '.local', 'share')): void {
  const dir = path.join(dataHome, `rancher-desktop-${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'kubeconfig'), 'apiVersion: v1\n');
  if (pidFile !== undefined) writeFileSync(path.join(dir, 'rdd.pid'), pidFile);
}
instance('2', live);
instance('other', live);
instance('no-start-token', `${process.pid}\n`);
instance('stale', `${process.pid}\n1\n`);
instance('no-pidfile', undefined);
instance('garbled', `${process.pid}x\n`);
const exited = spawnSync(process.execPath, ['-e', '']);
instance('dead', `${exited.pid}\n`);
const xdg = path.join(tmp, 'xdg');
instance('2', live, xdg);

interface Run {
  tool: string;
  /** The tool ran as the launcher's own process: exec'd, nothing in between. */
  exec: boolean;
  args: string[];
}

function run(argv: string[], env: Record<string, string> = {}, PATH = withKubectl, file = launcher): Run {
  const r = spawnSync(file, argv, { env: { PATH, HOME: home, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${file} ${argv.join(' ')}: exit ${r.status}: ${r.stderr}`);
  const [tool, pid, ...args] = r.stdout.split('\0').slice(0, -1);
  return { tool, exec: Number(pid) === r.pid, args };
}

/** What src/commands/ctl.ts runs for argv. */
function kubectlFromNode(argv: string[], env: NodeJS.ProcessEnv = {}): string[] {
  const paths = instancePaths(resolveInstance(optionValue(argv, '--instance'), env), { env: { HOME: home, ...env }, home });
  return ['--kubeconfig', paths.kubeconfig, '--cache-dir', paths.kubectlCacheDir, ...(kubectlArgs(argv, GLOBALS_TAKING_VALUE) ?? [])];
}

const nodeEntry = `${root}/bin/../dist/bundle/launch.cjs`;

describe('bin/rdd', () => {
  const straightToKubectl: string[][] = [
    ['ctl', 'get', 'app'],
    ['ctl'],
    ['ctl', '-h'],
    ['--instance', 'other', 'ctl', 'get', 'app'],
    ['--instance=other', '--log-level', 'debug', 'ctl', 'get'],
    ['ctl', 'get', 'app', '--instance', 'other', '-o', 'yaml'],
    ['ctl', 'get', '--instance=other'],
    ['ctl', '--', 'get', 'app'],
    ['ctl', 'get', '--log-level', 'debug', 'app', '--log-format=json'],
    ['--log-format=json', 'ctl', 'exec', 'x', '--', 'sh', '--instance', 'y', '--log-level', 'z'],
    ['ctl', 'get', 'pods', '-o', 'jsonpath={.items[*].metadata.name}', 'two words', '', '*', '$HOME', "it's", '-', 'a\nb'],
    ['--instance', 'no-start-token', 'ctl', 'get'],
    ...GLOBAL_OPTIONS.map((o) => ['ctl', 'get', o.flag, o.choices?.[0] ?? 'other', 'app']),
  ];
  it.each(straightToKubectl)('execs kubectl for %j with what Node would give it', (...argv) => {
    expect(run(argv)).toEqual({ tool: 'kubectl', exec: true, args: kubectlFromNode(argv) });
  });

  it('finds the instance from RDD_INSTANCE and the data dir from XDG_DATA_HOME, as src/engine/base/paths.ts does', () => {
    expect(run(['ctl', 'get'], { RDD_INSTANCE: 'other' })).toEqual({
      tool: 'kubectl',
      exec: true,
      args: kubectlFromNode(['ctl', 'get'], { RDD_INSTANCE: 'other' }),
    });
    expect(run(['ctl', 'get'], { RDD_INSTANCE: '' }).args).toEqual(kubectlFromNode(['ctl', 'get']));
    expect(run(['ctl', 'get'], { XDG_DATA_HOME: xdg })).toEqual({
      tool: 'kubectl',
      exec: true,
      args: kubectlFromNode(['ctl', 'get'], { XDG_DATA_HOME: xdg }),
    });
  });

  const leftToNode: [string, string[], Record<string, string>?][] = [
    ['another command', ['status', '-o', 'json']],
    ['no arguments', []],
    ['a global option without ctl', ['--instance', 'other', 'version']],
    ['an instance with no service', ['--instance', 'missing', 'ctl', 'get']],
    ['an invalid instance name', ['--instance', 'Other', 'ctl', 'get']],
    ['an invalid RDD_INSTANCE', ['ctl', 'get'], { RDD_INSTANCE: '-x' }],
    ['two instances', ['--instance', 'other', 'ctl', 'get', '--instance=2']],
    ['an instance after the `--` that follows ctl', ['ctl', '--', 'get', '--instance', 'other']],
    ['a global option without its value', ['ctl', 'get', '--instance']],
    ['a global option whose value looks like an option', ['ctl', 'get', '--log-level', '--instance', 'other']],
    ['`--` before ctl', ['--', 'ctl', 'get']],
    ['a daemon whose start token differs (a reused PID)', ['--instance', 'stale', 'ctl', 'get']],
    ['no pidfile', ['--instance', 'no-pidfile', 'ctl', 'get']],
    ['a pidfile Node would parse leniently', ['--instance', 'garbled', 'ctl', 'get']],
    ['a daemon that exited', ['--instance', 'dead', 'ctl', 'get']],
    ['a HOME that path.join() would normalise', ['ctl', 'get'], { HOME: `${home}/../${path.basename(home)}` }],
    ['a relative XDG_DATA_HOME', ['ctl', 'get'], { XDG_DATA_HOME: 'xdg' }],
  ];
  it.each(leftToNode)('leaves %s to Node, arguments untouched', (_what, argv, env) => {
    expect(run(argv, env)).toEqual({ tool: 'node', exec: true, args: [nodeEntry, ...argv] });
  });

  it('leaves a daemon that is a zombie to Node, which counts it as gone', async () => {
    // The subshell exits once its parent has become `sleep`, which never reaps it.
    const script = '(until grep -qx sleep /proc/$$/comm; do :; done) & echo $!; exec sleep 60';
    const parent = spawn('/bin/sh', ['-c', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const [line] = (await once(parent.stdout, 'data')) as [Buffer];
      const zombie = Number(line.toString().trim());
      await expect.poll(() => readFileSync(`/proc/${zombie}/stat`, 'utf8').split(') ')[1][0], { timeout: 10_000 }).toBe('Z');
      instance('zombie', `${zombie}\n${processStartToken(zombie)}\n`);
      expect(run(['--instance', 'zombie', 'ctl', 'get']).tool).toBe('node');
    } finally {
      parent.kill();
    }
  });

  it('leaves `rdd ctl` to Node when kubectl is not on PATH, so Node says so', () => {
    expect(run(['ctl', 'get'], {}, withoutKubectl)).toEqual({ tool: 'node', exec: true, args: [nodeEntry, 'ctl', 'get'] });
  });

  it('finds the package through the symlinks a global install makes', () => {
    const links = path.join(tmp, 'links');
    mkdirSync(links);
    symlinkSync(launcher, path.join(links, 'absolute'));
    symlinkSync(path.relative(links, launcher), path.join(links, 'relative'));
    symlinkSync('relative', path.join(links, 'chained'));
    for (const link of ['absolute', 'relative', 'chained']) {
      const { tool, args } = run(['version'], {}, withKubectl, path.join(links, link));
      expect(tool).toBe('node');
      expect(path.resolve(args[0])).toBe(path.resolve(nodeEntry));
    }
  });
});
