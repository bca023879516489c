import { mkdirSync } from 'node:fs';
import { generateTlsMaterial, generateToken } from './credentials.js';
import type { Logger } from '../base/log.js';
import { assertSocketPathFits, type InstancePaths } from '../base/paths.js';
import { readServiceConfig, writeServiceConfig } from './config.js';
import { readTlsMaterial, readToken, writeTlsMaterial, writeToken } from './credentials-files.js';
import { findFreePort } from './free-port.js';
import { writeInstanceKubeconfig } from './kubeconfig.js';

export interface CreateResult {
  /** False when everything already existed. */
  created: boolean;
  port: number;
}

/**
 * `svc create`: the instance's directories, TLS material, token, port and
 * kubeconfig. Idempotent: existing material is kept, only what is missing is made.
 */
export async function createService(paths: InstancePaths, log: Logger): Promise<CreateResult> {
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
  if (!config) {
    config = { port: await findFreePort() };
    writeServiceConfig(paths, config);
    log.info('service created', { instance: paths.instance, dir: paths.dir, port: config.port });
    created = true;
  }
  writeInstanceKubeconfig(paths, config.port, { tls, token });
  return { created, port: config.port };
}
