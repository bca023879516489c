import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { errorMessage } from '../../base/errors.js';
import type { Logger } from '../../base/log.js';
import type { InstancePaths } from '../../base/paths.js';
import { DriverConfigError, DriverError, type DriverContext, type DriverState, type EngineName, type EngineSettings, type VmDriver } from '../driver.js';
import { pathLookup, type ExecutableLookup } from '../find-executable.js';
import { bridgeName, ensureBridge, removeBridge } from './bridge.js';
import { restoreOtherBridges, snapshotOtherBridges } from './bridge-guard.js';
import type { CrashPolicyOptions } from './crash-policy.js';
import { engineCommand, type EngineCommand } from './engine-program.js';
import { containerdPaths } from '../engine-paths.js';
import { engineLayout, type EngineLayout } from './engine-layout.js';
import { pingEngine } from '../engine-ping.js';
import { loadDockerode } from '../dockerode.js';
import { HOST_ENGINE_LOCK, HostLockError, withHostLock } from './host-lock.js';
import { unmountUnder } from './mounts.js';
import {
  findEngineProcess, isEngineProcess, readPidFile, signalProcess, spawnDetached, tailFile, waitForExit,
} from './engine-process.js';
import { SerialLock } from '../../base/serial-lock.js';
import { killOrphanedContainers, stopContainers } from './orphans.js';
import { lostFirewallRace, START_ATTEMPTS, START_RETRY_BASE_MS, TransientStartError } from './start-failure.js';
import { DEFAULT_HUNG_GRACE_MS, DEFAULT_PROBE_TIMEOUT_MS, EngineSupervisor, type LivenessOptions } from './supervisor.js';

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
  /** Pings of a running engine: how often, how long one may take, how long a silent engine is given. */
  liveness?: LivenessOptions;
  /** The host-wide lock engine starts and stops take turns on (host-lock.ts); tests use their own. */
  hostLockFile?: string;
}

const ENGINES: readonly EngineName[] = ['moby', 'containerd'];
/** How often a starting engine is pinged at most while its socket refuses connections or is not there yet. */
const READY_POLL_MS = 200;
/** docker stop's default grace, which dockerd also gives each container when it shuts down without live-restore. */
const CONTAINER_STOP_SECONDS = 10;
/** How long an engine start or stop waits for the others on the host: a few of them, each bounded by its own timeouts. */
const HOST_LOCK_TIMEOUT_S = 300;

/** The end of a message about an engine: the last lines of its log, or where the log is. */
function logNote(layout: EngineLayout, tail: string): string {
  return tail ? `; last lines of ${layout.logFile}:\n${tail}` : ` (see ${layout.logFile})`;
}

/** How a running engine answered a health check. */
type Health = 'answers' | 'socket-missing' | 'silent';

/**
 * Runs the instance's engine as a host process (Linux): its own dockerd, or
 * containerd, with instance-scoped dirs, socket and bridge. The engine is
 * detached so it outlives the rdd daemon; a new driver adopts it through the
 * pidfile. While it should run, the supervisor (supervisor.ts) restarts it
 * when it dies, hangs or loses its socket. Engine starts and stops of all
 * instances on the host take turns, and each start puts back the firewall
 * rules of the others that dockerd removed (docs/instances.md).
 */
export class NativeDriver implements VmDriver {
  readonly name = 'native' as const;
  private readonly paths: InstancePaths;
  private readonly log: Logger;
  private readonly lookup: ExecutableLookup;
  private readonly isRoot: boolean;
  private readonly stopGraceMs: number;
  private readonly readyTimeoutMs: number;
  private readonly probeTimeoutMs: number;
  private readonly hungGraceMs: number;
  private readonly hostLockFile: string;
  private readonly supervisor: EngineSupervisor;
  /** One lifecycle operation at a time: a restart never races a stop. */
  private readonly lock = new SerialLock();

  constructor(ctx: DriverContext, options: NativeDriverOptions = {}) {
    this.paths = ctx.paths;
    this.log = ctx.log.child('native-driver');
    this.lookup = options.lookup ?? pathLookup();
    this.isRoot = options.isRoot ?? process.getuid?.() === 0;
    this.stopGraceMs = options.stopGraceMs ?? 20_000;
    this.readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
    this.probeTimeoutMs = options.liveness?.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
    this.hungGraceMs = options.liveness?.hungGraceMs ?? DEFAULT_HUNG_GRACE_MS;
    this.hostLockFile = options.hostLockFile ?? HOST_ENGINE_LOCK;
    this.supervisor = new EngineSupervisor(
      this.log,
      {
        relaunch: (layout) => this.bringUp(layout),
        cleanUp: (layout) => this.stopEngine(layout),
        exclusive: (fn) => this.lock.run(fn),
        logTail: (layout) => this.logTail(layout),
      },
      {
        exitRetryMs: options.livenessIntervalMs ?? 1000,
        stopGraceMs: this.stopGraceMs,
        crashPolicy: options.crashPolicy,
        liveness: options.liveness,
      },
    );
  }

  start(settings: EngineSettings, signal?: AbortSignal): Promise<void> {
    return this.lock.run(async () => {
      const layout = engineLayout(settings.engine, this.paths);
      const current = this.supervisor.current;
      if (current && current.layout.engine === settings.engine && isEngineProcess(layout, current.pid)) {
        const health = await this.health(layout);
        if (health === 'answers') return;
        // `rdd set running=true` on an engine that lost its socket or hangs: repair it now.
        this.log.warn('the running engine needs a restart', { engine: layout.engine, pid: current.pid, health });
        this.supervisor.reset();
        await this.terminate(layout, current.pid, health === 'silent' ? 'SIGKILL' : 'SIGTERM', signal);
      }
      this.supervisor.reset();
      for (const other of ENGINES.filter((e) => e !== settings.engine)) await this.stopEngine(engineLayout(other, this.paths), signal);
      const pid = await this.bringUp(layout, signal);
      this.supervisor.watch({ layout, pid, since: Date.now() });
    });
  }

  stop(signal?: AbortSignal): Promise<void> {
    return this.lock.run(async () => {
      this.supervisor.clear();
      for (const engine of ENGINES) await this.stopEngine(engineLayout(engine, this.paths), signal);
    });
  }

  remove(signal?: AbortSignal): Promise<void> {
    return this.lock.run(async () => {
      this.supervisor.clear();
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
    const supervised = this.supervisor.state();
    if (supervised) return supervised;
    for (const engine of ENGINES) {
      if (findEngineProcess(engineLayout(engine, this.paths)) !== undefined) return { phase: 'running', engine };
    }
    const hasData = ENGINES.some((e) => engineLayout(e, this.paths).dataDirs.some((d) => existsSync(d)));
    return hasData ? { phase: 'stopped' } : { phase: 'absent' };
  }

  onStateChange(listener: (state: DriverState) => void): () => void {
    return this.supervisor.onStateChange(listener);
  }

  async dispose(): Promise<void> {
    this.supervisor.cancel();
    await this.lock.idle();
  }

  private async health(layout: EngineLayout): Promise<Health> {
    if (!existsSync(layout.socket)) return 'socket-missing';
    return (await pingEngine(layout.engine, layout.socket, this.probeTimeoutMs)) ? 'answers' : 'silent';
  }

  /**
   * The engine's PID once it answers: the running one (adopted from an earlier daemon), or a
   * new one. An adopted engine that stays silent past the hung grace is killed and replaced.
   */
  private async bringUp(layout: EngineLayout, signal?: AbortSignal): Promise<number> {
    const adopted = findEngineProcess(layout);
    if (adopted !== undefined) {
      this.log.info('adopting running engine', { engine: layout.engine, pid: adopted });
      if (await this.answersWithin(layout, adopted, this.hungGraceMs, signal)) return adopted;
      this.log.warn('the adopted engine does not answer; restarting it', { engine: layout.engine, pid: adopted, graceMs: this.hungGraceMs });
      await this.terminate(layout, adopted, 'SIGKILL', signal);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.launchGuarded(layout, signal);
      } catch (err) {
        if (!(err instanceof TransientStartError) || attempt >= START_ATTEMPTS) throw err;
        const pauseMs = START_RETRY_BASE_MS * 2 ** (attempt - 1);
        this.log.warn('engine start failed on a transient error, retrying', { engine: layout.engine, attempt, inMs: pauseMs, error: err.message });
        await delay(pauseMs, undefined, { signal });
      }
    }
  }

  /**
   * Launches the engine and waits until it answers. dockerd run as root sets up the host
   * firewall while it starts: it does so holding the host-wide lock, and what it removed of
   * other instances' rules is put back (bridge-guard.ts).
   */
  private async launchGuarded(layout: EngineLayout, signal?: AbortSignal): Promise<number> {
    // Configuration errors first: they need neither the lock nor the firewall.
    const command = await engineCommand(layout, { paths: this.paths, isRoot: this.isRoot, lookup: this.lookup });
    const launchReady = async () => {
      const pid = await this.launch(layout, command);
      await this.waitReady(layout, pid, signal);
      return pid;
    };
    if (layout.engine !== 'moby' || !this.isRoot) return launchReady();
    return this.hostLocked(async () => {
      const others = await snapshotOtherBridges(bridgeName(this.paths.shortDir));
      try {
        return await launchReady();
      } finally {
        await restoreOtherBridges(others, this.log).catch((err: unknown) =>
          this.log.error("other instances' firewall rules, removed by this engine's start, could not be put back", { error: errorMessage(err) }),
        );
      }
    });
  }

  private async hostLocked<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await withHostLock(this.hostLockFile, HOST_LOCK_TIMEOUT_S, fn);
    } catch (err) {
      if (!(err instanceof HostLockError)) throw err;
      throw this.error(`waiting for the other engines on this host: ${err.message}`, { terminal: false, cause: err });
    }
  }

  private async launch(layout: EngineLayout, { binary, args }: EngineCommand): Promise<number> {
    if (layout.engine === 'moby' && this.isRoot) await ensureBridge(this.paths.shortDir, this.log);
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
    // The engine controller connects with dockerode once dockerd answers: its import (~0.3-0.5 s of
    // CPU on this thread) runs now, while dockerd starts, and not before the launch, which it would delay.
    if (layout.engine === 'moby') void loadDockerode().catch((err: unknown) => this.log.warn('cannot load the Docker client', { error: err }));
    return pid;
  }

  private async waitReady(layout: EngineLayout, pid: number, signal?: AbortSignal): Promise<void> {
    if (await this.answersWithin(layout, pid, this.readyTimeoutMs, signal)) return;
    throw this.error(
      `${layout.programs[0]} (pid ${pid}) did not answer on ${layout.socket} within ${this.readyTimeoutMs / 1000}s${await this.logTail(layout)}`,
      { terminal: false },
    );
  }

  /**
   * Whether the engine answers within `timeoutMs`. Its exit meanwhile throws: a transient one
   * (it lost a firewall race with another engine's start) can be retried, any other is what
   * its configuration makes it do every time.
   */
  private async answersWithin(layout: EngineLayout, pid: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      signal?.throwIfAborted();
      // The engine binds its socket early and answers once initialized: a ping sent meanwhile is
      // answered the moment it is ready, so only a ping that failed at once needs a pause before the next.
      const pinged = Date.now();
      if (await pingEngine(layout.engine, layout.socket)) return true;
      if (!isEngineProcess(layout, pid)) {
        const tail = await tailFile(layout.logFile, 5);
        const message = `${layout.programs[0]} exited while starting${logNote(layout, tail)}`;
        if (lostFirewallRace(tail)) throw new TransientStartError(message);
        throw this.error(message, { terminal: true });
      }
      if (Date.now() >= deadline) return false;
      const pause = READY_POLL_MS - (Date.now() - pinged);
      if (pause > 0) await delay(pause, undefined, { signal });
    }
  }

  private async logTail(layout: EngineLayout): Promise<string> {
    return logNote(layout, await tailFile(layout.logFile, 5));
  }

  /** Sends `first` (SIGTERM or SIGKILL), SIGKILL after the grace period; resolves once the engine is gone. */
  private async terminate(layout: EngineLayout, pid: number, first: 'SIGTERM' | 'SIGKILL', signal?: AbortSignal): Promise<void> {
    signalProcess(pid, first);
    if (first === 'SIGTERM' && !(await waitForExit(layout, pid, { timeoutMs: this.stopGraceMs, signal }))) {
      this.log.warn('engine ignored SIGTERM, killing it', { engine: layout.engine, pid, graceMs: this.stopGraceMs });
      signalProcess(pid, 'SIGKILL');
    }
    if (!(await waitForExit(layout, pid, { timeoutMs: 10_000, signal }))) {
      throw this.error(`${layout.programs[0]} (pid ${pid}) did not exit after SIGKILL`, { terminal: false });
    }
  }

  /**
   * Stops the engine and clears what it leaves behind. dockerd run as root stops holding the
   * host-wide lock: its containers' stops and the removal of its bridge rules edit the host
   * firewall, which must not happen while another engine starts.
   */
  private stopEngine(layout: EngineLayout, signal?: AbortSignal): Promise<void> {
    if (layout.engine === 'moby' && this.isRoot) return this.hostLocked(() => this.stopUnlocked(layout, signal));
    return this.stopUnlocked(layout, signal);
  }

  /** Graceful (containers first, then SIGTERM), SIGKILL after the grace period; then the cleanup. */
  private async stopUnlocked(layout: EngineLayout, signal?: AbortSignal): Promise<void> {
    const pid = findEngineProcess(layout);
    if (pid !== undefined) {
      this.log.info('stopping engine', { engine: layout.engine, pid });
      if (layout.engine === 'moby') await stopContainers(layout.socket, CONTAINER_STOP_SECONDS, this.log);
      await this.terminate(layout, pid, 'SIGTERM', signal);
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

  private async removeDir(dir: string): Promise<void> {
    try {
      if (this.isRoot) await unmountUnder(dir);
      await rm(dir, { recursive: true, force: true });
    } catch (err) {
      throw this.error(`cannot remove engine data ${dir}: ${errorMessage(err)}`, { terminal: false, cause: err });
    }
  }

  /** Each throw site says which kind it is: terminal ones wait for the user, the rest are retried. */
  private error(message: string, kind: { terminal: boolean; cause?: unknown }): DriverError | DriverConfigError {
    return kind.terminal ? new DriverConfigError(message, this.name, kind) : new DriverError(message, this.name, kind);
  }
}

