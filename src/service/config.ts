import { readFileSync } from 'node:fs';
import type { InstancePaths } from '../base/paths.js';
import { RddError } from '../base/errors.js';
import { writePrivateFile } from './private-file.js';

/** `<service dir>/config.json`: what `svc create` decided and `serve` reuses. */
export interface ServiceConfig {
  /** Loopback port of the API server. */
  port: number;
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
      suggestion: 'run `rdd svc delete` and `rdd svc start` to recreate the service',
    });
  }
  if (!Number.isInteger(config.port) || config.port! <= 0 || config.port! > 65535) {
    throw new RddError(`service config ${paths.config} has no valid "port"`, {
      suggestion: 'run `rdd svc delete` and `rdd svc start` to recreate the service',
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
