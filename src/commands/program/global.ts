import type { Command } from 'commander';
import { instancePaths, resolveInstance, type InstancePaths } from '../../engine/base/paths.js';
import { createLogger, type LogFormat, type Logger, type LogSettings } from '../../engine/base/log.js';
import { requestedLogSettings } from './log-settings.js';

export interface Globals {
  instance: string;
  paths: InstancePaths;
  /** The level and format given by flag or env only: the daemon falls back to its service config for the rest. */
  requestedLog: LogSettings;
  /** Diagnostics to stderr at --log-level; command output goes to stdout. */
  log: Logger;
}

/** The global flags (and their env vars) as every command sees them. */
export function globals(cmd: Command): Globals {
  const opts = cmd.optsWithGlobals<{ instance?: string; logLevel?: string; logFormat?: LogFormat }>();
  const instance = resolveInstance(opts.instance);
  const requestedLog = requestedLogSettings({ level: opts.logLevel, format: opts.logFormat });
  return {
    instance,
    paths: instancePaths(instance),
    requestedLog,
    log: createLogger(requestedLog),
  };
}
