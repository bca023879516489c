import { existsSync } from 'node:fs';
import type { InstancePaths } from '../base/paths.js';
import { apiUrl, readServiceConfig } from './config.js';
import { daemonLogFile } from './log-file.js';
import { runningDaemon } from './pidfile.js';
import { probeReady } from './readiness.js';

export interface ServiceStatus {
  instance: string;
  /** `svc create` has run (config.json exists). */
  created: boolean;
  running: boolean;
  /** The API answered /readyz just now. */
  ready: boolean;
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
    pid: daemon.pid,
    startedAt: daemon.since.toISOString(),
    uptimeSeconds: Math.max(0, Math.round((now.getTime() - daemon.since.getTime()) / 1000)),
    url: probe.url ?? base.url,
  };
}
