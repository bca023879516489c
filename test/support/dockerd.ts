import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { silentLogger } from '../../src/engine/base/log.js';
import { bridgeName, ensureBridge, removeBridge } from '../../src/engine/vm/native/bridge.js';
import { restoreOtherBridges, snapshotOtherBridges } from '../../src/engine/vm/native/bridge-guard.js';
import { HOST_ENGINE_LOCK, withHostLock } from '../../src/engine/vm/native/host-lock.js';
import { pingDockerSocket as ping } from '../../src/engine/vm/docker-ping.js';
import { isProcessAlive as isAlive } from '../../src/engine/service/process-info.js';
import { processesUnder, terminate } from '../../src/engine/support/processes.js';

export interface DockerdOptions {
  /** Default: `<dir>/docker.sock`. */
  socketPath?: string;
  /** `127.0.0.1:<port>` or a URL; written to daemon.json `registry-mirrors`. */
  registryMirror?: string;
  /** Parent of the engine's temp dir (keep it short: socket paths max 107 bytes). Default /tmp. */
  home?: string;
}

export interface TestDockerd {
  socketPath: string;
  /** The dir holding data-root, exec-root, pidfile, daemon.json and dockerd.log. */
  dir: string;
  /** The current dockerd PID (changes on restart()). */
  readonly pid: number;
  /** Graceful stop, then removes every process, mount, bridge and file it made. */
  stop(): Promise<void>;
  /** Sends a signal; resolves once dockerd exited when the signal is fatal (SIGKILL/SIGTERM). */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Starts dockerd again on the same data (after kill(), or stops it first). */
  restart(): Promise<void>;
}

const STOP_GRACE_MS = 20_000;
const READY_TIMEOUT_MS = 60_000;

async function waitFor(what: string, timeoutMs: number, probe: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function mirrorUrl(mirror: string): string {
  return /^https?:\/\//.test(mirror) ? mirror : `http://${mirror}`;
}

/** Mount points below dir, deepest first (overlay, netns and shm mounts a killed dockerd leaves). */
function mountsUnder(dir: string): string[] {
  const lines = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  return lines
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => !!m && m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/**
 * A real dockerd in its own temp dir (data-root, exec-root, pidfile, socket)
 * with its own bridge, waiting until /_ping answers. Needs root.
 */
export async function startDockerd(options: DockerdOptions = {}): Promise<TestDockerd> {
  const dir = await mkdtemp(path.join(options.home ?? '/tmp', 'rdd-dk.'));
  const socketPath = options.socketPath ?? path.join(dir, 'docker.sock');
  const configFile = path.join(dir, 'daemon.json');
  const logFile = path.join(dir, 'dockerd.log');
  let child: ChildProcess | undefined;

  const cleanup = async (): Promise<void> => {
    await terminate(
      processesUnder(dir).map((p) => p.pid),
      5000,
    );
    for (const mount of mountsUnder(dir)) await execa('umount', ['-l', mount], { reject: false });
    await removeBridge(dir).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };

  const exited = (): Promise<void> =>
    waitFor(`dockerd pid ${child?.pid} to exit`, STOP_GRACE_MS + 5000, () => !child?.pid || !isAlive(child.pid));

  // dockerd's containerd dies with it (pdeathsig) but lingers as a zombie until
  // PID 1 reaps it; a new dockerd that finds its PID "still running" waits on a
  // dead socket and gives up. Drop the stale pidfile so it starts a fresh one.
  const dropStaleContainerd = async (): Promise<void> => {
    const pidFile = path.join(dir, 'exec', 'containerd', 'containerd.pid');
    const pid = Number(await readFile(pidFile, 'utf8').catch(() => '0'));
    if (pid > 0 && isAlive(pid)) await terminate([pid], 5000);
    await rm(pidFile, { force: true });
  };

  // Like an rdd engine start (docs/instances.md#instances-on-one-host): in turn with every other
  // engine start on the host, putting back the other bridges' rules this dockerd's start removes.
  const launch = (): Promise<void> =>
    withHostLock(HOST_ENGINE_LOCK, 300, async () => {
      const others = await snapshotOtherBridges(bridgeName(dir));
      try {
        await launchUnlocked();
      } finally {
        await restoreOtherBridges(others, silentLogger);
      }
    });

  const launchUnlocked = async (): Promise<void> => {
    await dropStaleContainerd();
    const bridge = await ensureBridge(dir);
    const logFd = openSync(logFile, 'a');
    child = spawn(
      'dockerd',
      [
        '--host',
        `unix://${socketPath}`,
        '--data-root',
        path.join(dir, 'data'),
        '--exec-root',
        path.join(dir, 'exec'),
        '--pidfile',
        path.join(dir, 'docker.pid'),
        '--bridge',
        bridge,
        '--config-file',
        configFile,
      ],
      { stdio: ['ignore', logFd, logFd] },
    );
    closeSync(logFd);
    child.on('error', () => undefined);
    await waitFor(`dockerd on ${socketPath} (log: ${logFile})`, READY_TIMEOUT_MS, async () => {
      if (child?.exitCode !== null) throw new Error(`dockerd exited early with ${child?.exitCode}; see ${logFile}`);
      return ping(socketPath);
    });
  };

  const stopDaemon = async (): Promise<void> => {
    if (!child?.pid || !isAlive(child.pid)) return;
    await terminate([child.pid], STOP_GRACE_MS);
  };

  try {
    const config = options.registryMirror ? { 'registry-mirrors': [mirrorUrl(options.registryMirror)] } : {};
    await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`);
    await launch();
  } catch (err) {
    await stopDaemon();
    await cleanup();
    throw new Error('starting a test dockerd failed', { cause: err });
  }

  return {
    socketPath,
    dir,
    get pid() {
      return child?.pid ?? 0;
    },
    async stop() {
      await stopDaemon();
      await cleanup();
    },
    async kill(signal) {
      if (!child?.pid) return;
      process.kill(child.pid, signal);
      if (signal === 'SIGKILL' || signal === 'SIGTERM') await exited();
    },
    async restart() {
      await stopDaemon();
      await launch();
    },
  };
}
