import { existsSync } from 'node:fs';
import type { InstancePaths } from '../base/paths.js';
import { apiUrl, readServiceConfig } from './config.js';
import { daemonLogFile } from './log-file.js';
import { runningDaemon } from './pidfile.js';
import { daemonNotAnswering } from './deadline.js';
import { PROBE_TIMEOUT_MS, probeReady } from './readiness.js';

export interface ServiceStatus {
  instance: string;
  /** `svc create` has run (config.json exists). */
  created: boolean;
  running: boolean;
  /** The API answered /readyz just now. */
  ready: boolean;
  /** The daemon runs but did not answer /readyz within the probe's timeout (hung or stopped). */
  answering?: false;
  pid?: number;
  startedAt?: string;
  uptimeSeconds?: number;
  url?: string;
  dir: string;
  logFile: string;
}

export async function serviceStatus(paths: InstancePaths, now: Date = new Date()): Promise<ServiceStatus> {
  const config = existsSync(paths.config) ? readServiceConfig(paths) : undefined;
  const daemon = runningDaemon(paths);
  const base = {
    instance: paths.instance,
    created: config !== undefined,
    dir: paths.dir,
    logFile: daemonLogFile(paths),
    url: config ? apiUrl(config.port) : undefined,
  };
  if (!daemon) return { ...base, running: false, ready: false };
  const probe = await probeReady(paths);
  return {
    ...base,
    running: true,
    ready: probe.ready,
    ...(probe.timedOut && { answering: false as const }),
    pid: daemon.pid,
    startedAt: daemon.since.toISOString(),
    uptimeSeconds: Math.max(0, Math.round((now.getTime() - daemon.since.getTime()) / 1000)),
    url: probe.url ?? base.url,
  };
}

/** The error (exit 4) for a status whose daemon runs but did not answer the probe. */
export function notAnswering(paths: InstancePaths, status: ServiceStatus): Error {
  return daemonNotAnswering(paths, status.pid, '/readyz', `${PROBE_TIMEOUT_MS / 1000}s`);
}
