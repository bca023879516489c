import { mkdirSync } from 'node:fs';
import { generateTlsMaterial, generateToken } from './credentials.js';
import type { Logger, LogSettings } from '../base/log.js';
import { assertSocketPathFits, type InstancePaths } from '../base/paths.js';
import { readServiceConfig, writeServiceConfig, type ServiceConfig } from './config.js';
import { readTlsMaterial, readToken, writeTlsMaterial, writeToken } from './credentials-files.js';
import { findFreePort } from './free-port.js';
import { writeInstanceKubeconfig } from './kubeconfig.js';

export interface CreateResult {
  /** False when everything already existed. */
  created: boolean;
  port: number;
}

export interface CreateOptions {
  /** Kept in config.json for later starts that give none; by default only when the config is first written. */
  logging?: LogSettings;
  /** Keep `logging` even when the service exists already (`svc create --log-level debug` says so on purpose). */
  replaceLogging?: boolean;
}

/** The settings that were actually given, as config.json fields. */
function keptLogging(logging: LogSettings = {}): Pick<ServiceConfig, 'logLevel' | 'logFormat'> {
  return {
    ...(logging.level && { logLevel: logging.level }),
    ...(logging.format && { logFormat: logging.format }),
  };
}

/**
 * `svc create`: the instance's directories, TLS material, token, port and
 * kubeconfig. Idempotent: existing material is kept, only what is missing is made.
 */
export async function createService(paths: InstancePaths, log: Logger, options: CreateOptions = {}): Promise<CreateResult> {
  assertSocketPathFits(paths.dockerSocket);
  let created = false;
  for (const dir of [paths.dir, paths.shortDir, paths.tlsDir]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  mkdirSync(paths.logDir, { recursive: true });

  let tls = readTlsMaterial(paths);
  if (!tls) {
    log.debug('generating TLS material', { dir: paths.tlsDir });
    tls = await generateTlsMaterial();
    writeTlsMaterial(paths, tls);
    created = true;
  }
  let token = readToken(paths);
  if (!token) {
    token = generateToken();
    writeToken(paths, token);
    created = true;
  }
  let config = readServiceConfig(paths);
  const kept = keptLogging(options.logging);
  if (!config) {
    config = { port: await findFreePort(), ...kept };
    writeServiceConfig(paths, config);
    log.info('service created', { instance: paths.instance, dir: paths.dir, port: config.port });
    created = true;
  } else if (options.replaceLogging && Object.keys(kept).length > 0) {
    config = { ...config, ...kept };
    writeServiceConfig(paths, config);
  }
  writeInstanceKubeconfig(paths, config.port, { tls, token });
  return { created, port: config.port };
}
