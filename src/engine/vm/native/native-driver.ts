import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { errorMessage } from '../../base/errors.js';
import type { Logger } from '../../base/log.js';
import type { InstancePaths } from '../../base/paths.js';
import { DriverError, type DriverContext, type DriverState, type EngineName, type EngineSettings, type VmDriver } from '../driver.js';
import { pathLookup, type ExecutableLookup } from '../find-executable.js';
import { ensureBridge, removeBridge } from './bridge.js';
import { CrashPolicy, type CrashPolicyOptions } from './crash-policy.js';
import { containerdArgs, containerdConfigToml, daemonJsonConflicts, dockerdArgs } from './engine-command.js';
import { containerdPaths } from '../engine-paths.js';
import { engineLayout, type EngineLayout } from './engine-layout.js';
import { pingEngine } from '../engine-ping.js';
import { loadDockerode } from '../dockerode.js';
import { watchEngineExit } from './engine-exit.js';
import { unmountUnder } from './mounts.js';
import {
  findEngineProcess, isEngineProcess, readPidFile, signalProcess, spawnDetached, tailFile, waitForExit,
} from './engine-process.js';
import { SerialLock } from '../../base/serial-lock.js';
import { killOrphanedContainers, stopContainers } from './orphans.js';

export interface NativeDriverOptions {
  /** Defaults to the PATH lookup; tests inject their own. */
  lookup?: ExecutableLookup;
  isRoot?: boolean;
  /** SIGTERM → SIGKILL grace period. */
  stopGraceMs?: number;
  readyTimeoutMs?: number;
  /**
   * An adopted engine (not this process's child) is watched through a connection to its socket;
   * when it ends that connection but still runs, it is watched again after this long.
   */
  livenessIntervalMs?: number;
  crashPolicy?: CrashPolicyOptions;
}

const ENGINES: readonly EngineName[] = ['moby', 'containerd'];
/** How often a starting engine is pinged at most while its socket refuses connections or is not there yet. */
const READY_POLL_MS = 200;
/** docker stop's default grace, which dockerd also gives each container when it shuts down without live-restore. */
const CONTAINER_STOP_SECONDS = 10;

interface Supervised {
  layout: EngineLayout;
  pid: number;
  /** When supervision of this process began: how long it ran decides whether its death is a crash loop. */
  since: number;
}

/**
 * Runs the instance's engine as a host process (Linux): its own dockerd, or
 * containerd, with instance-scoped dirs, socket and bridge. The engine is
 * detached so it outlives the rdd daemon; a new driver adopts it through the
 * pidfile. While it should run, its death triggers restarts with backoff.
 */
export class NativeDriver implements VmDriver {
  readonly name = 'native' as const;
  private readonly paths: InstancePaths;
  private readonly log: Logger;
  private readonly lookup: ExecutableLookup;
  private readonly isRoot: boolean;
  private readonly stopGraceMs: number;
  private readonly readyTimeoutMs: number;
  private readonly livenessIntervalMs: number;
  private readonly policy: CrashPolicy;
  private readonly listeners = new Set<(state: DriverState) => void>();
  private supervised?: Supervised;
  private crashed?: string;
  /** Set from an engine's death until its restart succeeds or the crash limit is reached. */
  private restarting?: string;
  /** Bumped by stop/dispose/start so stale exit watches and pending restarts do nothing. */
  private epoch = 0;
  private cancelExitWatch = () => {};
  private restartTimer?: NodeJS.Timeout;
  /** One lifecycle operation at a time: a restart never races a stop. */
  private readonly lock = new SerialLock();

  constructor(ctx: DriverContext, options: NativeDriverOptions = {}) {
    this.paths = ctx.paths;
    this.log = ctx.log.child('native-driver');
    this.lookup = options.lookup ?? pathLookup();
    this.isRoot = options.isRoot ?? process.getuid?.() === 0;
    this.stopGraceMs = options.stopGraceMs ?? 20_000;
    this.readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
    this.livenessIntervalMs = options.livenessIntervalMs ?? 1000;
    this.policy = new CrashPolicy(options.crashPolicy);
  }

  start(settings: EngineSettings, signal?: AbortSignal): Promise<void> {
    return this.lock.run(async () => {
      const layout = engineLayout(settings.engine, this.paths);
      if (this.supervised && this.supervised.layout.engine === settings.engine && isEngineProcess(layout, this.supervised.pid)) {
        return;
      }
      this.cancelSupervision();
      this.crashed = undefined;
      this.policy.reset();
      for (const other of ENGINES.filter((e) => e !== settings.engine)) await this.stopEngine(engineLayout(other, this.paths), signal);
      const adopted = findEngineProcess(layout);
      if (adopted !== undefined) this.log.info('adopting running engine', { engine: settings.engine, pid: adopted });
      const pid = adopted ?? (await this.launch(layout));
      // The engine controller connects with dockerode once dockerd answers: its import (~0.3-0.5 s of
      // CPU on this thread) runs now, while dockerd starts, and not before the launch, which it would delay.
      if (layout.engine === 'moby') void loadDockerode().catch((err: unknown) => this.log.warn('cannot load the Docker client', { error: err }));
      await this.waitReady(layout, pid, signal);
      this.supervise({ layout, pid, since: Date.now() });
    });
  }

  stop(signal?: AbortSignal): Promise<void> {
    return this.lock.run(async () => {
      this.cancelSupervision();
      this.crashed = undefined;
      for (const engine of ENGINES) await this.stopEngine(engineLayout(engine, this.paths), signal);
    });
  }

  remove(signal?: AbortSignal): Promise<void> {
    return this.lock.run(async () => {
      this.cancelSupervision();
      this.crashed = undefined;
      for (const engine of ENGINES) {
        const layout = engineLayout(engine, this.paths);
        await this.stopEngine(layout, signal);
        for (const dir of layout.dataDirs) await this.removeDir(dir);
      }
      const c = containerdPaths(this.paths);
      await rm(c.config, { force: true });
    });
  }

  async state(): Promise<DriverState> {
    if (this.crashed !== undefined) return { phase: 'crashed', message: this.crashed };
    if (this.restarting !== undefined) return { phase: 'restarting', message: this.restarting };
    // Dead, but its exit has not been handled yet: still this driver's to restart (a start
    // from outside now would reset the crash accounting).
    const supervised = this.supervised;
    if (supervised && !isEngineProcess(supervised.layout, supervised.pid)) {
      return { phase: 'restarting', message: `${supervised.layout.programs[0]} exited; restarting it` };
    }
    for (const engine of ENGINES) {
      if (findEngineProcess(engineLayout(engine, this.paths)) !== undefined) return { phase: 'running', engine };
    }
    const hasData = ENGINES.some((e) => engineLayout(e, this.paths).dataDirs.some((d) => existsSync(d)));
    return hasData ? { phase: 'stopped' } : { phase: 'absent' };
  }

  onStateChange(listener: (state: DriverState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async dispose(): Promise<void> {
    this.cancelSupervision();
    await this.lock.idle();
  }

  private emit(state: DriverState): void {
    for (const listener of this.listeners) {
      try {
        listener(state);
      } catch (err) {
        this.log.error('state listener failed', { error: err });
      }
    }
  }

  private cancelSupervision(): void {
    this.epoch++;
    this.cancelExitWatch();
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.supervised = undefined;
    this.restarting = undefined;
  }

  /** The program and arguments for an engine, after the checks that give a useful error instead of a cryptic exit. */
  private async command(layout: EngineLayout): Promise<{ binary: string; args: string[] }> {
    const rootless = this.isRoot ? undefined : this.lookup('dockerd-rootless.sh');
    if (layout.engine === 'containerd') {
      if (!this.isRoot) throw this.error('the native driver needs root to run containerd: run the rdd service as root, or use the moby engine with rootless Docker');
      const binary = this.lookup('containerd');
      if (!binary) throw this.error('containerd is not installed: install containerd (Debian/Ubuntu: apt-get install containerd) or containerd.io');
      const c = containerdPaths(this.paths);
      await mkdir(path.dirname(c.config), { recursive: true });
      await writeFile(c.config, containerdConfigToml(this.paths));
      return { binary, args: containerdArgs(this.paths) };
    }
    if (!this.isRoot && !rootless) {
      throw this.error(
        'the native driver needs root to run dockerd, or rootless Docker: run the rdd service as root, or install rootless Docker (dockerd-rootless.sh, package docker-ce-rootless-extras)',
      );
    }
    const dockerd = this.lookup('dockerd');
    if (!dockerd) throw this.error('dockerd is not installed: install docker.io (Debian/Ubuntu) or docker-ce');
    const withDaemonJson = existsSync(this.paths.daemonJson);
    const config = withDaemonJson ? this.checkDaemonJson() : {};
    const bridge = rootless ? undefined : await ensureBridge(this.paths.shortDir, this.log);
    // Containers outlive an engine crash; a user's own daemon.json setting wins (dockerd refuses both).
    const liveRestore = !rootless && !('live-restore' in config);
    const args = dockerdArgs(this.paths, { bridge, withDaemonJson, liveRestore });
    return rootless ? { binary: rootless, args } : { binary: dockerd, args };
  }

  private checkDaemonJson(): object {
    let config: unknown;
    try {
      config = JSON.parse(readFileSync(this.paths.daemonJson, 'utf8'));
    } catch (err) {
      throw this.error(`daemon.json ${this.paths.daemonJson} is not valid JSON: ${errorMessage(err)}`, err);
    }
    const conflicts = daemonJsonConflicts(config);
    if (conflicts.length > 0) {
      throw this.error(
        `daemon.json ${this.paths.daemonJson} sets ${conflicts.map((k) => `"${k}"`).join(', ')}, which rdd sets itself for this instance: remove ${conflicts.length > 1 ? 'them' : 'it'}`,
      );
    }
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      throw this.error(`daemon.json ${this.paths.daemonJson} must hold a JSON object`);
    }
    return config;
  }

  private async launch(layout: EngineLayout): Promise<number> {
    const { binary, args } = await this.command(layout);
    await mkdir(this.paths.shortDir, { recursive: true });
    // Neither a stale socket nor a pidfile naming a reused PID may stop the new engine.
    await rm(layout.socket, { force: true });
    await rm(layout.pidFile, { force: true });
    // dockerd would wait ~15 s on a managed containerd its pidfile names but that is dying with the old dockerd.
    if (layout.engine === 'moby') await this.stopManagedContainerd();
    const pid = await spawnDetached(binary, args, layout.logFile);
    // dockerd writes its own pidfile; containerd has none, so we keep one for adoption.
    if (layout.engine === 'containerd') await writeFile(layout.pidFile, `${pid}\n`);
    this.log.info('started engine', { engine: layout.engine, pid, log: layout.logFile });
    return pid;
  }

  private async waitReady(layout: EngineLayout, pid: number, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + this.readyTimeoutMs;
    for (;;) {
      signal?.throwIfAborted();
      // The engine binds its socket early and answers once initialized: a ping sent meanwhile is
      // answered the moment it is ready, so only a ping that failed at once needs a pause before the next.
      const pinged = Date.now();
      if (await pingEngine(layout.engine, layout.socket)) return;
      if (!isEngineProcess(layout, pid)) {
        throw this.error(`${layout.programs[0]} exited while starting${await this.logTail(layout)}`);
      }
      if (Date.now() >= deadline) {
        throw this.error(
          `${layout.programs[0]} (pid ${pid}) did not answer on ${layout.socket} within ${this.readyTimeoutMs / 1000}s${await this.logTail(layout)}`,
          undefined,
          { retryable: true },
        );
      }
      const pause = READY_POLL_MS - (Date.now() - pinged);
      if (pause > 0) await delay(pause, undefined, { signal });
    }
  }

  private async logTail(layout: EngineLayout): Promise<string> {
    const tail = await tailFile(layout.logFile, 5);
    return tail ? `; last lines of ${layout.logFile}:\n${tail}` : ` (see ${layout.logFile})`;
  }

  /** SIGTERM, SIGKILL after the grace period; then clears what a killed engine leaves behind. */
  private async stopEngine(layout: EngineLayout, signal?: AbortSignal): Promise<void> {
    const pid = findEngineProcess(layout);
    if (pid !== undefined) {
      this.log.info('stopping engine', { engine: layout.engine, pid });
      if (layout.engine === 'moby') await stopContainers(layout.socket, CONTAINER_STOP_SECONDS, this.log);
      signalProcess(pid, 'SIGTERM');
      if (!(await waitForExit(layout, pid, { timeoutMs: this.stopGraceMs, signal }))) {
        this.log.warn('engine ignored SIGTERM, killing it', { engine: layout.engine, pid, graceMs: this.stopGraceMs });
        signalProcess(pid, 'SIGKILL');
        if (!(await waitForExit(layout, pid, { timeoutMs: 10_000, signal }))) {
          throw this.error(`${layout.programs[0]} (pid ${pid}) did not exit after SIGKILL`);
        }
      }
    }
    if (layout.engine === 'moby') {
      await this.stopManagedContainerd(signal);
      if (this.isRoot) await killOrphanedContainers(this.paths, this.log);
      // dockerd keeps its bridge and firewall rules after it exits; the next start makes them again.
      // The engine is stopped either way: a failed cleanup is worth a warning, not a failed stop.
      if (this.isRoot) {
        await removeBridge(this.paths.shortDir).catch((err: unknown) =>
          this.log.warn('engine bridge or its firewall rules not removed', { error: errorMessage(err) }),
        );
      }
    }
    // dockerd leaves its data-root bind mount behind even on a clean exit.
    if (this.isRoot) for (const dir of layout.dataDirs) await unmountUnder(dir);
    await rm(layout.socket, { force: true });
    if (layout.engine === 'containerd') await rm(`${layout.socket}.ttrpc`, { force: true });
    await rm(layout.pidFile, { force: true });
  }

  /** dockerd's own containerd survives a SIGKILLed dockerd; it must not outlive a stop. */
  private async stopManagedContainerd(signal?: AbortSignal): Promise<void> {
    const dir = path.join(this.paths.dockerExecRoot, 'containerd');
    const layout: EngineLayout = {
      ...engineLayout('containerd', this.paths),
      pidFile: path.join(dir, 'containerd.pid'),
      // dockerd starts it as `containerd --config <exec-root>/containerd/containerd.toml`.
      socketFlag: ['--config', path.join(dir, 'containerd.toml')],
    };
    const pid = readPidFile(layout.pidFile);
    if (pid !== undefined && isEngineProcess(layout, pid)) {
      signalProcess(pid, 'SIGTERM');
      if (!(await waitForExit(layout, pid, { timeoutMs: this.stopGraceMs, signal }))) signalProcess(pid, 'SIGKILL');
    }
    await rm(layout.pidFile, { force: true });
  }

  private supervise(supervised: Supervised): void {
    this.supervised = supervised;
    const epoch = this.epoch;
    this.cancelExitWatch = watchEngineExit(
      supervised.layout,
      supervised.pid,
      () => {
        if (epoch === this.epoch) void this.onDeath(supervised, epoch);
      },
      this.livenessIntervalMs,
    );
  }

  private async onDeath(dead: Supervised, epoch: number): Promise<void> {
    this.cancelExitWatch();
    this.supervised = undefined;
    const verdict = this.policy.recordDeath(Date.now() - dead.since);
    const program = dead.layout.programs[0];
    if (verdict.giveUp) {
      const message = `${program} died ${verdict.deaths} times in a row, each within ${this.policy.stableAfter / 1000}s of answering; not restarting it${await this.logTail(dead.layout)}`;
      if (epoch !== this.epoch) return; // stopped or restarted meanwhile
      this.restarting = undefined;
      this.crashed = message;
      this.log.error('engine keeps crashing, giving up', { engine: dead.layout.engine, deaths: verdict.deaths });
      // Nothing of a given-up engine may keep running: its containers, shims, containerd, socket and pidfile.
      await this.lock.run(() => this.stopEngine(dead.layout)).catch((err: unknown) => this.log.warn('cleaning up after the engine failed', { error: err }));
      this.emit({ phase: 'crashed', message: this.crashed });
      return;
    }
    this.log.warn('engine died, restarting', { engine: dead.layout.engine, pid: dead.pid, inMs: verdict.delayMs });
    this.restarting = `${program} exited (crash ${verdict.deaths} in a row); restarting it in ${verdict.delayMs / 1000}s`;
    this.emit({ phase: 'restarting', message: this.restarting });
    this.restartTimer = setTimeout(() => {
      void this.lock.run(async () => {
        if (epoch !== this.epoch) return;
        try {
          const pid = findEngineProcess(dead.layout) ?? (await this.launch(dead.layout));
          await this.waitReady(dead.layout, pid, undefined);
          if (epoch !== this.epoch) return;
          this.restarting = undefined;
          this.supervise({ layout: dead.layout, pid, since: Date.now() });
          this.emit({ phase: 'running', engine: dead.layout.engine });
        } catch (err) {
          this.log.warn('engine restart failed', { engine: dead.layout.engine, error: err });
          // A restart that fails counts as a crash right after a start.
          if (epoch === this.epoch) void this.onDeath({ ...dead, since: Date.now() }, epoch);
        }
      });
    }, verdict.delayMs);
    this.restartTimer.unref();
  }

  private async removeDir(dir: string): Promise<void> {
    try {
      if (this.isRoot) await unmountUnder(dir);
      await rm(dir, { recursive: true, force: true });
    } catch (err) {
      throw this.error(`cannot remove engine data ${dir}: ${errorMessage(err)}`, err);
    }
  }

  private error(message: string, cause?: unknown, options: { retryable?: boolean } = {}): DriverError {
    return new DriverError(message, this.name, { cause, ...options });
  }
}

