import os from 'node:os';
import path from 'node:path';
import { RddError, UsageError } from './errors.js';

export const DEFAULT_INSTANCE = '2';

/** Every location an instance owns. Pure data: computing it creates nothing (docs/design-rules.md#paths-from-the-instance). */
export interface InstancePaths {
  instance: string;
  /** Service dir: config, pidfile, store, TLS material, kubeconfig. */
  dir: string;
  /** Short dir for sockets and the Lima home; kept short for the Unix socket limit. */
  shortDir: string;
  logDir: string;
  limaHome: string;
  kubeconfig: string;
  config: string;
  pidFile: string;
  database: string;
  tlsDir: string;
  kubectlCacheDir: string;
  dockerSocket: string;
  daemonJson: string;
  dockerPidFile: string;
  dockerDataRoot: string;
  dockerExecRoot: string;
}

/** The keys `rdd svc paths KEY` accepts, mapped to InstancePaths fields. */
export const PATH_KEYS = {
  dir: 'dir',
  short_dir: 'shortDir',
  log_dir: 'logDir',
  lima_home: 'limaHome',
  kubeconfig: 'kubeconfig',
  docker_socket: 'dockerSocket',
  config: 'config',
  pid_file: 'pidFile',
  database: 'database',
  daemon_json: 'daemonJson',
  tls_dir: 'tlsDir',
} as const satisfies Record<string, keyof InstancePaths>;
export type PathKey = keyof typeof PATH_KEYS;

const INSTANCE_NAME = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;

/** Instance from the flag, else RDD_INSTANCE, else "2" (docs/cli.md#which-instance). */
export function resolveInstance(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const instance = flag ?? (env.RDD_INSTANCE || DEFAULT_INSTANCE);
  if (!INSTANCE_NAME.test(instance)) {
    throw new UsageError(
      `invalid instance name "${instance}": use 1-32 lowercase letters, digits or '-', starting and ending with a letter or digit`,
    );
  }
  return instance;
}

export interface PathEnvironment {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  home?: string;
}

export function instancePaths(instance: string, where: PathEnvironment = {}): InstancePaths {
  const env = where.env ?? process.env;
  const platform = where.platform ?? process.platform;
  const home = where.home ?? (env.HOME || os.homedir());
  const dataHome =
    platform === 'darwin'
      ? path.join(home, 'Library', 'Application Support')
      : env.XDG_DATA_HOME || path.join(home, '.local', 'share');
  const dir = path.join(dataHome, `rancher-desktop-${instance}`);
  const shortDir = path.join(home, `.rd${instance}`);
  const tlsDir = path.join(dir, 'tls');
  return {
    instance,
    dir,
    shortDir,
    logDir: env.RDD_LOGS_DIR || path.join(dir, 'logs'),
    limaHome: path.join(shortDir, 'lima'),
    kubeconfig: path.join(dir, 'kubeconfig'),
    config: path.join(dir, 'config.json'),
    pidFile: path.join(dir, 'rdd.pid'),
    database: path.join(dir, 'rdd.sqlite3'),
    tlsDir,
    kubectlCacheDir: path.join(dir, 'kubectl-cache'),
    dockerSocket: path.join(shortDir, 'docker.sock'),
    daemonJson: path.join(shortDir, 'daemon.json'),
    dockerPidFile: path.join(shortDir, 'docker.pid'),
    dockerDataRoot: path.join(dir, 'docker'),
    dockerExecRoot: path.join(shortDir, 'exec'),
  };
}

/** sun_path is 104 bytes on macOS and 108 on Linux, including the trailing NUL. */
export function maxSocketPathBytes(platform: NodeJS.Platform = process.platform): number {
  return (platform === 'darwin' ? 104 : 108) - 1;
}

/** Fails with a clear message instead of the cryptic EINVAL a bind() would give. */
export function assertSocketPathFits(socketPath: string, platform: NodeJS.Platform = process.platform): void {
  const bytes = Buffer.byteLength(socketPath);
  const max = maxSocketPathBytes(platform);
  if (bytes > max) {
    throw new RddError(
      `socket path ${socketPath} is ${bytes} bytes, over the ${max}-byte limit for Unix sockets on ${platform}`,
      { suggestion: 'use a shorter HOME or instance name' },
    );
  }
}
