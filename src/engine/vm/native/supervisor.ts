import { existsSync } from 'node:fs';
import type { Logger } from '../../base/log.js';
import type { DriverState } from '../driver.js';
import { pingEngine } from '../engine-ping.js';
import { CrashPolicy, type CrashPolicyOptions } from './crash-policy.js';
import { watchEngineExit } from './engine-exit.js';
import type { EngineLayout } from './engine-layout.js';
import { isEngineProcess, signalProcess } from './engine-process.js';
import { LivenessTracker, type LivenessVerdict } from './liveness.js';

export interface LivenessOptions {
  /** How often a supervised engine is pinged and its socket looked for. */
  probeIntervalMs?: number;
  /** A ping not answered within this long counts as no answer. */
  probeTimeoutMs?: number;
  /** An engine silent for this long is killed and restarted (docs/instances.md#engine-liveness). */
  hungGraceMs?: number;
}

export interface SupervisorOptions {
  /**
   * An adopted engine (not this process's child) is watched through a connection to its socket;
   * when it ends that connection but still runs, it is watched again after this long.
   */
  exitRetryMs: number;
  /** How long an engine asked to exit (its socket gone) gets before SIGKILL. */
  stopGraceMs: number;
  crashPolicy?: CrashPolicyOptions;
  liveness?: LivenessOptions;
}

/** What the supervisor needs from its driver. */
export interface SupervisorHooks {
  /** Starts the engine again (or adopts one already back); resolves with its PID once it answers. Called inside `exclusive`. */
  relaunch(layout: EngineLayout): Promise<number>;
  /** Stops everything of an engine given up on (containers, shims, socket). Called inside `exclusive`. */
  cleanUp(layout: EngineLayout): Promise<void>;
  /** Runs `fn` alone among the driver's lifecycle operations: a restart never races a stop. */
  exclusive(fn: () => Promise<void>): Promise<void>;
  /** The end of the engine's log, for messages. */
  logTail(layout: EngineLayout): Promise<string>;
}

export interface Supervised {
  layout: EngineLayout;
  pid: number;
  /** When supervision of this process began: how long it ran decides whether its death is a crash loop. */
  since: number;
}

export const DEFAULT_PROBE_INTERVAL_MS = 5000;
export const DEFAULT_PROBE_TIMEOUT_MS = 3000;
export const DEFAULT_HUNG_GRACE_MS = 30_000;

/**
 * Keeps one running engine alive: restarts it with backoff when it dies
 * (crash-policy.ts), gives up on a crash loop, and probes it so that an engine
 * that still runs but does not answer, or whose socket was removed, is
 * repaired too (liveness.ts). An epoch, bumped by every cancel, makes stale
 * exit watches, probes and pending restarts do nothing.
 */
export class EngineSupervisor {
  private readonly log: Logger;
  private readonly policy: CrashPolicy;
  private readonly probeIntervalMs: number;
  private readonly probeTimeoutMs: number;
  private readonly liveness: LivenessTracker;
  private readonly listeners = new Set<(state: DriverState) => void>();
  private watched?: Supervised;
  private crashed?: string;
  /** Set from an engine's death (or its repair) until its restart succeeds or the crash limit is reached. */
  private restarting?: string;
  /** Set while a running engine does not answer, before the grace period ends. */
  private unresponsive?: string;
  private epoch = 0;
  private cancelExitWatch = () => {};
  private restartTimer?: NodeJS.Timeout;
  private probeTimer?: NodeJS.Timeout;
  private probing = false;

  constructor(
    log: Logger,
    private readonly hooks: SupervisorHooks,
    private readonly options: SupervisorOptions,
  ) {
    this.log = log;
    this.policy = new CrashPolicy(options.crashPolicy);
    this.probeIntervalMs = options.liveness?.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS;
    this.probeTimeoutMs = options.liveness?.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
    this.liveness = new LivenessTracker(options.liveness?.hungGraceMs ?? DEFAULT_HUNG_GRACE_MS);
  }

  /** The engine being watched, if any. */
  get current(): Supervised | undefined {
    return this.watched;
  }

  /** What supervision knows that the process table does not: a crash given up on, a restart pending, a silent engine. */
  state(): DriverState | undefined {
    if (this.crashed !== undefined) return { phase: 'crashed', message: this.crashed };
    if (this.restarting !== undefined) return { phase: 'restarting', message: this.restarting };
    // Dead, but its exit has not been handled yet: still this driver's to restart (a start
    // from outside now would reset the crash accounting).
    const watched = this.watched;
    if (watched && !isEngineProcess(watched.layout, watched.pid)) {
      return { phase: 'restarting', message: `${watched.layout.programs[0]} exited; restarting it` };
    }
    if (this.unresponsive !== undefined) return { phase: 'restarting', message: this.unresponsive };
    return undefined;
  }

  onStateChange(listener: (state: DriverState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A start from outside: the crash count and a given-up verdict are forgotten. */
  reset(): void {
    this.cancel();
    this.crashed = undefined;
    this.policy.reset();
  }

  /** Stops watching: nothing pending runs any more. */
  cancel(): void {
    this.epoch++;
    this.cancelExitWatch();
    clearTimeout(this.restartTimer);
    clearInterval(this.probeTimer);
    this.restartTimer = undefined;
    this.probeTimer = undefined;
    this.watched = undefined;
    this.restarting = undefined;
    this.unresponsive = undefined;
    this.liveness.reset();
  }

  /** A stop from outside: also forget a given-up verdict. */
  clear(): void {
    this.cancel();
    this.crashed = undefined;
  }

  watch(supervised: Supervised): void {
    this.watched = supervised;
    const epoch = this.epoch;
    this.cancelExitWatch = watchEngineExit(
      supervised.layout,
      supervised.pid,
      () => {
        if (epoch === this.epoch) void this.onDeath(supervised, epoch);
      },
      this.options.exitRetryMs,
    );
    this.probeTimer = setInterval(() => void this.probe(supervised, epoch), this.probeIntervalMs);
    this.probeTimer.unref();
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

  private async probe(supervised: Supervised, epoch: number): Promise<void> {
    if (this.probing || this.restarting !== undefined) return;
    this.probing = true;
    try {
      const { layout } = supervised;
      const at = Date.now();
      const socket = existsSync(layout.socket);
      const answered = socket && (await pingEngine(layout.engine, layout.socket, this.probeTimeoutMs));
      if (epoch !== this.epoch) return;
      this.act(supervised, this.liveness.observe({ socket, answered, at }));
    } finally {
      this.probing = false;
    }
  }

  private act(supervised: Supervised, verdict: LivenessVerdict): void {
    const { layout, pid } = supervised;
    const program = layout.programs[0];
    switch (verdict.kind) {
      case 'healthy':
        if (this.unresponsive === undefined) return;
        this.log.info('engine answers again', { engine: layout.engine, pid });
        this.unresponsive = undefined;
        this.emit({ phase: 'running', engine: layout.engine });
        return;
      case 'unresponsive': {
        const silentS = Math.round((Date.now() - verdict.since) / 1000);
        const graceS = this.liveness.graceSeconds;
        const first = this.unresponsive === undefined;
        this.unresponsive = `${program} (pid ${pid}) has not answered on ${layout.socket} for ${silentS}s; it is restarted if it still does not answer after ${graceS}s`;
        if (first) {
          this.log.warn('engine does not answer', { engine: layout.engine, pid, graceS });
          this.emit({ phase: 'restarting', message: this.unresponsive });
        }
        return;
      }
      case 'hung':
        // SIGTERM waits for a stopped process to continue; SIGKILL does not. Containers survive (live-restore).
        return this.repair(supervised, `${program} (pid ${pid}) did not answer on ${layout.socket} for ${this.liveness.graceSeconds}s`, 'SIGKILL');
      case 'socket-missing':
        // dockerd makes its socket only when it starts: a graceful restart is the repair.
        return this.repair(supervised, `the socket ${layout.socket} of ${program} (pid ${pid}) was removed`, 'SIGTERM');
    }
  }

  /** Ends the engine; its exit watch then restarts it as after any death. */
  private repair(supervised: Supervised, why: string, signal: NodeJS.Signals): void {
    const { layout, pid } = supervised;
    this.log.warn(`${why}: restarting it`, { engine: layout.engine, pid, signal });
    this.unresponsive = undefined;
    this.restarting = `${why}; restarting it`;
    this.emit({ phase: 'restarting', message: this.restarting });
    signalProcess(pid, signal);
    if (signal === 'SIGKILL') return;
    const epoch = this.epoch;
    const kill = setTimeout(() => {
      if (epoch === this.epoch && isEngineProcess(layout, pid)) signalProcess(pid, 'SIGKILL');
    }, this.options.stopGraceMs);
    kill.unref();
  }

  private async onDeath(dead: Supervised, epoch: number): Promise<void> {
    this.cancelExitWatch();
    clearInterval(this.probeTimer);
    this.watched = undefined;
    this.unresponsive = undefined;
    this.liveness.reset();
    const verdict = this.policy.recordDeath(Date.now() - dead.since);
    const program = dead.layout.programs[0];
    if (verdict.giveUp) {
      const message = `${program} died ${verdict.deaths} times in a row, each within ${this.policy.stableAfter / 1000}s of answering; not restarting it${await this.hooks.logTail(dead.layout)}`;
      if (epoch !== this.epoch) return; // stopped or restarted meanwhile
      this.restarting = undefined;
      this.crashed = message;
      this.log.error('engine keeps crashing, giving up', { engine: dead.layout.engine, deaths: verdict.deaths });
      // Nothing of a given-up engine may keep running: its containers, shims, containerd, socket and pidfile.
      await this.hooks.exclusive(() => this.hooks.cleanUp(dead.layout)).catch((err: unknown) => this.log.warn('cleaning up after the engine failed', { error: err }));
      this.emit({ phase: 'crashed', message: this.crashed });
      return;
    }
    this.log.warn('engine died, restarting', { engine: dead.layout.engine, pid: dead.pid, inMs: verdict.delayMs });
    this.restarting = `${program} exited (crash ${verdict.deaths} in a row); restarting it in ${verdict.delayMs / 1000}s`;
    this.emit({ phase: 'restarting', message: this.restarting });
    this.restartTimer = setTimeout(() => void this.hooks.exclusive(() => this.restart(dead, epoch)), verdict.delayMs);
    this.restartTimer.unref();
  }

  private async restart(dead: Supervised, epoch: number): Promise<void> {
    if (epoch !== this.epoch) return;
    try {
      const pid = await this.hooks.relaunch(dead.layout);
      if (epoch !== this.epoch) return;
      this.restarting = undefined;
      this.watch({ layout: dead.layout, pid, since: Date.now() });
      this.emit({ phase: 'running', engine: dead.layout.engine });
    } catch (err) {
      this.log.warn('engine restart failed', { engine: dead.layout.engine, error: err });
      // A restart that fails counts as a crash right after a start.
      if (epoch === this.epoch) void this.onDeath({ ...dead, since: Date.now() }, epoch);
    }
  }
}
