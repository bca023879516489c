import { Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { UsageError } from '../engine/base/errors.js';
import { globals, type Globals } from './program/global.js';
import { timeoutOption, waitOption } from './program/options.js';
import type { LogFormat, LogLevel } from '../engine/base/log.js';
import type { InstancePaths } from '../engine/base/paths.js';

/**
 * Runs the daemon in this process. The CLI never imports the daemon (it would
 * pull in the API server and the controllers); the entry point hands it in.
 */
export type RunDaemon = (paths: InstancePaths, options: { level: LogLevel; format: LogFormat; echo: boolean }) => Promise<number>;

// Command modules stay cheap to import (`rdd version` ≤ 250 ms): the service
// code, TLS generation and the daemon load inside the actions.

async function timeoutMs(text: string): Promise<number> {
  const { parseDurationMs } = await import('../engine/base/duration.js');
  return parseDurationMs(text);
}

async function progressFor() {
  const { createProgress } = await import('./output/progress.js');
  return createProgress();
}

function out(text: string): void {
  process.stdout.write(text);
}

async function create(g: Globals): Promise<void> {
  const { createService } = await import('../engine/service/create.js');
  const { created } = await createService(g.paths, g.log, { logging: g.requestedLog, replaceLogging: true });
  const kept = [g.requestedLog.level, g.requestedLog.format].filter(Boolean).join(', ');
  const keptNote = kept ? `; the daemon logs at ${kept} from its next start` : '';
  out(`rdd service for instance ${g.instance} ${created ? 'created' : 'already exists'} in ${g.paths.dir}${keptNote}\n`);
}

async function start(g: Globals, opts: { wait: boolean; timeout: string }): Promise<void> {
  const ms = await timeoutMs(opts.timeout);
  const { startService } = await import('../engine/service/lifecycle.js');
  const progress = await progressFor();
  try {
    const result = await startService(g.paths, g.log, {
      timeoutMs: ms,
      wait: opts.wait,
      progress,
      logLevel: g.requestedLog.level,
      logFormat: g.requestedLog.format,
    });
    progress.stop();
    const api = result.url ? `, API at ${result.url}` : '';
    out(
      result.alreadyRunning
        ? `rdd daemon for instance ${g.instance} already running (pid ${result.pid})${api}\n`
        : `rdd daemon for instance ${g.instance} started (pid ${result.pid})${api}\n`,
    );
    // A daemon this command started runs this CLI's build; one already running may not.
    if (result.alreadyRunning && result.url) await warnIfOtherBuild(g);
  } catch (err) {
    progress.stop();
    throw err;
  }
}

async function warnIfOtherBuild(g: Globals): Promise<void> {
  const [{ KubeClient }, { skewWarningFor }] = await Promise.all([import('../engine/kube/client.js'), import('./program/version-skew.js')]);
  const client = KubeClient.fromFile(g.paths.kubeconfig);
  try {
    const warning = await skewWarningFor(client, g.instance);
    if (warning) process.stderr.write(`rdd: ${warning}\n`);
  } finally {
    client.close();
  }
}

/**
 * `svc restart`: `svc stop`, then `svc start`. The App and every object stay
 * in the store, so the new daemon brings the engine back as the App says;
 * this is how a daemon moves to a newly installed build.
 */
async function restart(g: Globals, opts: { wait: boolean; timeout: string; stopTimeout: string }): Promise<void> {
  await stop(g, { timeout: opts.stopTimeout });
  await start(g, { wait: opts.wait, timeout: opts.timeout });
}

async function serve(runDaemon: RunDaemon, g: Globals, opts: { pidFile?: string }): Promise<void> {
  if (opts.pidFile !== undefined && opts.pidFile !== g.paths.pidFile) {
    throw new UsageError(`--pid-file must be ${g.paths.pidFile} for instance ${g.instance}`);
  }
  const { daemonLogging } = await import('../engine/service/spawn-daemon.js');
  const { level, format } = daemonLogging(g.paths, { logLevel: g.requestedLog.level, logFormat: g.requestedLog.format });
  try {
    const code = await runDaemon(g.paths, { level, format, echo: Boolean(process.stderr.isTTY) });
    // Shut down: whatever handles a library left open must not keep the process (and `svc stop`) waiting.
    process.exit(code);
  } catch (err) {
    setTimeout(() => process.exit(), 2000).unref();
    throw err;
  }
}

async function stop(g: Globals, opts: { timeout: string }): Promise<void> {
  const ms = await timeoutMs(opts.timeout);
  const { stopService } = await import('../engine/service/stop.js');
  const progress = await progressFor();
  try {
    const { pid } = await stopService(g.paths, g.log, { timeoutMs: ms, progress });
    progress.stop();
    out(
      pid === undefined
        ? `rdd daemon for instance ${g.instance} is not running\n`
        : `rdd daemon for instance ${g.instance} stopped (pid ${pid})\n`,
    );
  } catch (err) {
    progress.stop();
    throw err;
  }
}

async function status(g: Globals, opts: { output: 'text' | 'json' }): Promise<void> {
  const { notAnswering, serviceStatus } = await import('../engine/service/status.js');
  const s = await serviceStatus(g.paths);
  if (opts.output === 'json') {
    out(JSON.stringify(s, null, 2) + '\n');
  } else {
    const { formatDuration } = await import('../engine/base/duration.js');
    const lines = [`instance: ${s.instance}`];
    if (s.running) {
      lines.push(`daemon:   running (pid ${s.pid}, up ${formatDuration((s.uptimeSeconds ?? 0) * 1000)})`);
      lines.push(`api:      ${s.url ?? 'unknown'} (${s.ready ? 'ready' : 'not ready'})`);
    } else {
      lines.push(`daemon:   not running${s.created ? '' : ' (service not created)'}`);
    }
    lines.push(`dir:      ${s.dir}`, `log:      ${s.logFile}`);
    out(lines.join('\n') + '\n');
  }
  // After the report: a daemon that runs but does not answer exits 4, saying what to do.
  if (s.answering === false) throw notAnswering(g.paths, s);
}

async function remove(g: Globals, opts: { timeout: string }): Promise<void> {
  const ms = await timeoutMs(opts.timeout);
  const { deleteService } = await import('../engine/service/delete.js');
  const progress = await progressFor();
  // Logs alone (a shared RDD_LOGS_DIR) do not make a service; the dirs do.
  const existed = [g.paths.dir, g.paths.shortDir].some((dir) => existsSync(dir));
  try {
    await deleteService(g.paths, g.log, { timeoutMs: ms, progress });
    progress.stop();
    out(
      existed
        ? `rdd service for instance ${g.instance} deleted\n`
        : `rdd service for instance ${g.instance} does not exist; nothing to delete\n`,
    );
  } catch (err) {
    progress.stop();
    throw err;
  }
}

async function log(g: Globals, opts: { follow: boolean }): Promise<void> {
  const { followLog, printLog } = await import('../engine/service/log-file.js');
  if (!opts.follow) {
    await printLog(g.paths, process.stdout);
    return;
  }
  const abort = new AbortController();
  const onInterrupt = () => abort.abort();
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  // Stop quietly when the reader of a pipe goes away (`rdd svc log -f | head`).
  process.stdout.on('error', onInterrupt);
  await followLog(g.paths, process.stdout, abort.signal);
}

async function paths(g: Globals, key: string | undefined, opts: { output: 'text' | 'json' | 'shell' }): Promise<void> {
  const { renderPaths } = await import('./output/paths.js');
  out(renderPaths(g.paths, opts.output, key));
}

export function register(program: Command, runDaemon: RunDaemon): void {
  const svc = program.command('svc').alias('service').description('manage the rdd daemon of an instance');

  svc
    .command('create')
    .description('create the service dir, TLS material, token, port and kubeconfig (idempotent); keeps --log-level/--log-format for later starts')
    .action((_o, cmd: Command) => create(globals(cmd)));

  svc
    .command('start')
    .description('start the daemon in the background (creating the service if needed)')
    .addOption(waitOption('wait until the API answers'))
    .addOption(timeoutOption('90s', 'how long to wait'))
    .action((o: { wait: boolean; timeout: string }, cmd: Command) => start(globals(cmd), o));

  svc
    .command('serve')
    .description('run the daemon in the foreground')
    .addOption(new Option('--pid-file <path>', 'marks the daemon command line; must be the instance pidfile').hideHelp())
    .action((o: { pidFile?: string }, cmd: Command) => serve(runDaemon, globals(cmd), o));

  svc
    .command('stop')
    .description('stop the daemon (SIGINT; past the timeout, SIGTERM and exit 4)')
    .addOption(timeoutOption('30s', 'how long the graceful stop may take'))
    .action((o: { timeout: string }, cmd: Command) => stop(globals(cmd), o));

  svc
    .command('restart')
    .description("stop the daemon, then start it again (on this CLI's build); the App and its objects are kept")
    .addOption(waitOption('wait until the API answers'))
    .addOption(timeoutOption('90s', 'how long to wait for the API'))
    .addOption(new Option('--stop-timeout <duration>', 'how long the graceful stop may take (past it: SIGTERM, exit 4, no start)').default('30s'))
    .action((o: { wait: boolean; timeout: string; stopTimeout: string }, cmd: Command) => restart(globals(cmd), o));

  svc
    .command('status')
    .description('show whether the daemon runs, its pid, API URL and uptime')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((o: { output: 'text' | 'json' }, cmd: Command) => status(globals(cmd), o));

  svc
    .command('delete')
    .description('stop the daemon, then remove the service dir, short dir and logs (none of them when the stop times out: exit 4)')
    .addOption(timeoutOption('30s', 'how long the graceful stop may take'))
    .action((o: { timeout: string }, cmd: Command) => remove(globals(cmd), o));

  svc
    .command('log')
    .description('print the daemon log')
    .option('-f, --follow', 'keep printing what is appended, until Ctrl-C', false)
    .action((o: { follow: boolean }, cmd: Command) => log(globals(cmd), o));

  svc
    .command('paths')
    .argument('[key]', 'print only this path')
    .description('print the instance paths')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json', 'shell']).default('text'))
    .action((key: string | undefined, o: { output: 'text' | 'json' | 'shell' }, cmd: Command) =>
      paths(globals(cmd), key, o),
    );
}
