import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import type { Command } from 'commander';
import { RddError } from '../engine/base/errors.js';
import { instancePaths, resolveInstance, type InstancePaths } from '../engine/base/paths.js';
import { GLOBALS_TAKING_VALUE } from './program/global-options.js';
import { optionValue } from './program/report-error.js';
import { runningDaemon } from '../engine/service/pidfile.js';

// This path must add little to kubectl's own start-up (a budget of 150 ms), so
// it imports no client library and spawns kubectl with node's child_process.

/**
 * The arguments for kubectl, exactly as typed after `ctl`. commander drops
 * `--` and pulls rdd's global options out of them, so they come from the raw
 * argv: the globals rdd itself consumed (`--instance X` before any `--`) and
 * a `--` right after `ctl` are removed, everything else is passed through untouched.
 */
export function kubectlArgs(rawArgs: readonly string[], globalsTakingValue: ReadonlyMap<string, boolean>): string[] | undefined {
  const isGlobal = (arg: string) => globalsTakingValue.has(arg.split('=')[0]);
  const skip = (args: readonly string[], i: number) =>
    !args[i].includes('=') && globalsTakingValue.get(args[i]) ? i + 2 : i + 1;
  let i = 0;
  while (i < rawArgs.length && isGlobal(rawArgs[i])) i = skip(rawArgs, i);
  if (rawArgs[i] !== 'ctl') return undefined;
  // `rdd ctl -- get ...`: that `--` ends rdd's options; kubectl would print its help for it.
  const tail = rawArgs.slice(rawArgs[i + 1] === '--' ? i + 2 : i + 1);
  const out: string[] = [];
  for (let j = 0; j < tail.length; ) {
    if (tail[j] === '--') return [...out, ...tail.slice(j)];
    if (isGlobal(tail[j])) j = skip(tail, j);
    else out.push(tail[j++]);
  }
  return out;
}

function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
}

/** kubectl's own help never reaches a server, so it works before the service exists. */
export function asksForHelp(args: readonly string[]): boolean {
  const beforeDashes = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  return args.length === 0 || beforeDashes.some((a) => a === '-h' || a === '--help');
}

/** How long `rdd ctl` waits for the daemon to answer before it runs kubectl, which has no deadline of its own. */
const CTL_PROBE_MS = 5_000;

/**
 * kubectl would wait for ever on a daemon that accepts connections but does not answer
 * (stopped, hung): one /readyz first turns that into a clear exit 4. Anything else the
 * probe finds (not ready yet, refused) is left to kubectl to report in its own words.
 */
async function assertDaemonAnswers(paths: InstancePaths, pid: number): Promise<void> {
  const { probeReady } = await import('../engine/service/readiness.js');
  if (!(await probeReady(paths, CTL_PROBE_MS)).timedOut) return;
  const { daemonNotAnswering } = await import('../engine/service/deadline.js');
  throw daemonNotAnswering(paths, pid, '/readyz', `${CTL_PROBE_MS / 1000}s`);
}

async function runKubectl(paths: InstancePaths, args: string[]): Promise<number> {
  if (!existsSync(paths.kubeconfig) && !asksForHelp(args)) {
    throw new RddError(`instance ${paths.instance} has no kubeconfig at ${paths.kubeconfig}: the service was never created`, {
      suggestion: 'run `rdd svc start`',
    });
  }
  const daemon = runningDaemon(paths);
  if (!daemon && !asksForHelp(args)) {
    process.stderr.write(`rdd: warning: the rdd daemon for instance ${paths.instance} is not running (start it with \`rdd svc start\`)\n`);
  } else if (daemon && !asksForHelp(args)) {
    await assertDaemonAnswers(paths, daemon.pid);
  }
  const child = spawn('kubectl', ['--kubeconfig', paths.kubeconfig, '--cache-dir', paths.kubectlCacheDir, ...args], {
    stdio: 'inherit',
  });
  // Ctrl-C reaches kubectl through the terminal's process group: let it decide.
  const ignore = () => undefined;
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', ignore);
  process.on('SIGTERM', forward);
  process.on('SIGHUP', forward);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'ENOENT'
            ? new RddError('kubectl not found on PATH: `rdd ctl` runs kubectl against the instance', {
                cause: err,
                suggestion: 'install kubectl (https://kubernetes.io/docs/tasks/tools/) and make sure it is on PATH',
              })
            : new RddError(`cannot run kubectl: ${err.message}`, { cause: err }),
        ),
      );
      child.once('exit', (code, signal) => resolve(exitCodeOf(code, signal)));
    });
  } finally {
    process.off('SIGINT', ignore);
    process.off('SIGTERM', forward);
    process.off('SIGHUP', forward);
  }
}

/**
 * Runs `rdd ctl ...` when argv asks for it and returns kubectl's exit code;
 * undefined when argv is some other command.
 */
export async function runCtl(rawArgs: readonly string[]): Promise<number | undefined> {
  const args = kubectlArgs(rawArgs, GLOBALS_TAKING_VALUE);
  if (args === undefined) return undefined;
  const paths = instancePaths(resolveInstance(optionValue(rawArgs, '--instance')));
  return runKubectl(paths, args);
}

/** Only for `rdd --help` and `rdd help ctl`: src/main.ts runs ctl before commander is loaded. */
export function register(program: Command): void {
  program
    .command('ctl')
    .description("run kubectl against the instance's control plane (all arguments are passed through)")
    .argument('[args...]', 'kubectl arguments')
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption(false)
    .action(async () => {
      process.exitCode = await runCtl(process.argv.slice(2));
    });
}
