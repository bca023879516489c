import { TerminalError } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import type { InstancePaths } from '../base/paths.js';

export type EngineName = 'moby' | 'containerd';
export type DriverName = 'lima' | 'native';

export interface EngineSettings {
  engine: EngineName;
  cpus?: number;
  /** GiB */
  memory?: number;
  rosetta?: boolean;
  /** Host folders shared with a VM (Lima only; the native engine sees the host as it is). */
  mounts?: MountSettings;
}

/** How a VM shares host folders: "default" is Lima's default for the VM type (virtiofs on vz, 9p on qemu). */
export type MountType = 'default' | 'virtiofs' | '9p' | 'reverse-sshfs';

export interface MountSettings {
  /** Share the user's home folder, writable, at the same path (default true). */
  home?: boolean;
  type?: MountType;
}

export type DriverState =
  | { phase: 'absent' }
  | { phase: 'stopped' }
  | { phase: 'running'; engine: EngineName }
  /**
   * The engine died, or runs without answering, and the driver restarts it
   * (with its own backoff and crash limit; a silent engine after a grace period).
   */
  | { phase: 'restarting'; message: string }
  /** The engine died and the driver gave up restarting it. */
  | { phase: 'crashed'; message: string };

/** What a start() in progress is doing, for the Running condition's message. */
export interface StartProgress {
  message: string;
  /**
   * True while the driver creates and provisions its VM for the first time
   * (image download, engine install): that start takes many minutes, far
   * longer than any later one, and a waiting client should allow for it.
   */
  firstCreate: boolean;
}

export interface DriverContext {
  paths: InstancePaths;
  log: Logger;
}

/**
 * What the App controller needs from a VM driver. Every method is
 * idempotent: start on a running, answering engine with the same settings is a no-op,
 * stop on a stopped one returns at once.
 */
export interface VmDriver {
  readonly name: DriverName;
  /**
   * Resolves once the engine socket answers; on a running engine whose socket
   * is gone or does not answer, repairs it first. Throws DriverError with the
   * tool's own message on failure. `onProgress` hears each step of a long start.
   */
  start(settings: EngineSettings, signal?: AbortSignal, onProgress?: (progress: StartProgress) => void): Promise<void>;
  stop(signal?: AbortSignal): Promise<void>;
  /** Stops, then removes the VM / engine data. */
  remove(signal?: AbortSignal): Promise<void>;
  state(): Promise<DriverState>;
  /** Called whenever state changes on its own (crash, restart, gave up). Returns an unsubscribe function. */
  onStateChange(listener: (state: DriverState) => void): () => void;
  /** Release watchers/timers without stopping the engine (daemon shutdown that leaves the engine to be adopted). */
  dispose(): Promise<void>;
}

/**
 * The driver's tool said no, in a way that may pass on the next try: a command
 * that failed or ran out of time (limactl failed, an engine that did not answer
 * or lost a race with another engine's start). The App's queue retries it with
 * backoff.
 */
export class DriverError extends Error {
  constructor(
    message: string,
    readonly driver: DriverName,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DriverError';
  }
}

/**
 * The driver cannot start as things are: bad configuration or a missing tool
 * (no binary, no root, a daemon.json rdd cannot use, a host Lima does not
 * support, a provisioning script that failed). Trying again changes nothing
 * until the user changes something, so it is a `TerminalError` — the one
 * terminal signal (base/errors.ts) — and the App is held at StartFailed.
 */
export class DriverConfigError extends TerminalError {
  constructor(
    message: string,
    readonly driver: DriverName,
    options?: { cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DriverConfigError';
  }
}
