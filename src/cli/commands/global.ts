import type { Command } from 'commander';
import { instancePaths, resolveInstance, type InstancePaths } from '../../base/paths.js';
import { createLogger, type LogFormat, type Logger, type LogLevel } from '../../base/log.js';

export interface Globals {
  instance: string;
  paths: InstancePaths;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Diagnostics to stderr at --log-level; command output goes to stdout. */
  log: Logger;
}

/** The global flags as every command sees them (SPEC §7). */
export function globals(cmd: Command): Globals {
  const opts = cmd.optsWithGlobals<{ instance?: string; logLevel: LogLevel; logFormat: LogFormat }>();
  const instance = resolveInstance(opts.instance);
  return {
    instance,
    paths: instancePaths(instance),
    logLevel: opts.logLevel,
    logFormat: opts.logFormat,
    log: createLogger({ level: opts.logLevel, format: opts.logFormat }),
  };
}
