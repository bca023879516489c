import { startApiServer } from '../apiserver/server.js';
import type { ApiServer } from '../apiserver/types.js';
import type { Controller } from '../controllers/controller.js';
import { errorMessage } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import type { InstancePaths } from '../base/paths.js';
import { readServiceConfig, writeServiceConfig } from '../service/config.js';
import { createService } from '../service/create.js';
import { readServiceCredentials, type ServiceCredentials } from '../service/credentials-files.js';
import { writeInstanceKubeconfig } from '../service/kubeconfig.js';
import { acquirePidFile, type PidFileLock } from '../service/pidfile.js';
import { createEnginePassthrough } from '../passthrough/engine.js';
import { daemonAdmission, daemonControllers } from './components.js';
import { daemonCrdDir } from './crd-dir.js';

export interface Daemon {
  readonly url: string;
  readonly port: number;
  /** Graceful: controllers (the App controller stops the engine), then the API server, then the pidfile. */
  stop(): Promise<void>;
  /** For a forced exit: gives up the pidfile lock and nothing else. */
  releaseLock(): void;
}

function hasErrorCode(err: unknown, code: string): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if ((e as NodeJS.ErrnoException).code === code) return true;
  }
  return false;
}

/** Listens on the recorded port; if something else took it meanwhile, on a new one recorded in config.json and the kubeconfig. */
async function listen(paths: InstancePaths, credentials: ServiceCredentials, log: Logger): Promise<ApiServer> {
  const config = readServiceConfig(paths);
  const options = {
    databasePath: paths.database,
    crdDir: daemonCrdDir(paths, log),
    tls: credentials.tls,
    token: credentials.token,
    admission: daemonAdmission(),
    passthrough: createEnginePassthrough({ socketPath: paths.dockerSocket, log }),
    log,
  };
  let server: ApiServer;
  try {
    server = await startApiServer({ ...options, port: config?.port ?? 0 });
  } catch (err) {
    if (!config || !hasErrorCode(err, 'EADDRINUSE')) throw err;
    log.warn('API port taken by another process; moving to a new port', { port: config.port });
    server = await startApiServer({ ...options, port: 0 });
  }
  if (server.port !== config?.port) {
    writeServiceConfig(paths, { ...config, port: server.port });
    writeInstanceKubeconfig(paths, server.port, credentials);
  }
  return server;
}

async function stopAll(controllers: Controller[], log: Logger): Promise<void> {
  for (const controller of [...controllers].reverse()) {
    try {
      await controller.stop();
    } catch (err) {
      log.error('controller did not stop cleanly', { controller: controller.name, error: errorMessage(err) });
    }
  }
}

/**
 * The daemon of one instance: pidfile lock, API server, admission, controllers.
 * Runs in this process; `run-daemon.ts` adds signals and the log file around
 * it, and takes the lock itself before it writes its log (`lock`); it is
 * released when the daemon stops or fails to start.
 */
export async function startDaemon(paths: InstancePaths, log: Logger, lock: PidFileLock = acquirePidFile(paths)): Promise<Daemon> {
  const started: Controller[] = [];
  let server: ApiServer | undefined;
  try {
    await createService(paths, log);
    const credentials = readServiceCredentials(paths);
    server = await listen(paths, credentials, log);
    const deps = { client: server.localClient(), paths, log, storeHealth: server.storeHealth };
    for (const controller of daemonControllers(deps)) {
      await controller.start();
      started.push(controller);
      log.info('controller started', { controller: controller.name });
    }
  } catch (err) {
    await stopAll(started, log);
    await server?.close().catch(() => undefined);
    lock.release();
    throw err;
  }
  const api = server;
  let stopping: Promise<void> | undefined;
  return {
    url: api.url,
    port: api.port,
    releaseLock: () => lock.release(),
    stop: () =>
      (stopping ??= (async () => {
        await stopAll(started, log);
        await api.close().catch((err: unknown) => log.error('API server did not close cleanly', { error: errorMessage(err) }));
        lock.release();
      })()),
  };
}
