import { readFileSync } from 'node:fs';
import type { InstancePaths } from '../base/paths.js';
import { RddError } from '../base/errors.js';
import { LOG_FORMATS, LOG_LEVELS } from '../base/log.js';
import type { LogFormat, LogLevel } from '../base/log.js';
import { writePrivateFile } from './private-file.js';

/** `<service dir>/config.json`: what `svc create` decided and `serve` reuses. */
export interface ServiceConfig {
  /** Loopback port of the API server. */
  port: number;
  /** The daemon's log level and format as given to `svc create` (or the start that created the service); a flag or env var at start wins. */
  logLevel?: LogLevel;
  logFormat?: LogFormat;
}

const RECREATE = 'run `rdd svc delete` and `rdd svc start` to recreate the service';

function isOneOf(value: unknown, allowed: readonly string[]): boolean {
  return value === undefined || (typeof value === 'string' && allowed.includes(value));
}

export function readServiceConfig(paths: Pick<InstancePaths, 'config'>): ServiceConfig | undefined {
  let text: string;
  try {
    text = readFileSync(paths.config, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RddError(`cannot read service config ${paths.config}`, { cause: err });
  }
  let config: Partial<ServiceConfig>;
  try {
    config = JSON.parse(text) as Partial<ServiceConfig>;
  } catch (err) {
    throw new RddError(`service config ${paths.config} is not valid JSON`, {
      cause: err,
      suggestion: RECREATE,
    });
  }
  if (!Number.isInteger(config.port) || config.port! <= 0 || config.port! > 65535) {
    throw new RddError(`service config ${paths.config} has no valid "port"`, { suggestion: RECREATE });
  }
  if (!isOneOf(config.logLevel, LOG_LEVELS) || !isOneOf(config.logFormat, LOG_FORMATS)) {
    throw new RddError(`service config ${paths.config} has an invalid "logLevel" or "logFormat"`, {
      suggestion: `use one of ${LOG_LEVELS.join(', ')} and ${LOG_FORMATS.join(', ')}, or ${RECREATE}`,
    });
  }
  return config as ServiceConfig;
}

export function writeServiceConfig(paths: Pick<InstancePaths, 'config'>, config: ServiceConfig): void {
  writePrivateFile(paths.config, JSON.stringify(config, null, 2) + '\n');
}

export function apiUrl(port: number): string {
  return `https://127.0.0.1:${port}`;
}
