import type { InstancePaths } from '../base/paths.js';
import type { ProcessInfo } from './processes.js';

/** What a collector gets: where the instance lives, its processes, and where to put files. */
export interface CollectContext {
  paths: InstancePaths;
  /** The instance's processes, listed once for all collectors. */
  processes: readonly ProcessInfo[];
  /** Aborted when the collector's time is up; pass it to anything that can wait. */
  signal: AbortSignal;
  /** Adds a file (path inside the bundle); it is redacted before it is written. */
  add(file: string, content: string): void;
  /** Records why something was not collected (daemon down, engine unreachable...). */
  skip(reason: string): void;
}

export interface Collector {
  name: string;
  /** Default 10 s. */
  timeoutMs?: number;
  collect(ctx: CollectContext): Promise<void>;
}

/** One manifest entry per collector: what it wrote, how long it took, what it skipped and why it failed. */
export interface CollectorReport {
  name: string;
  files: string[];
  durationMs: number;
  skipped?: string;
  error?: string;
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
