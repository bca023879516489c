import path from 'node:path';
import type { EngineName } from '../driver.js';
import type { InstancePaths } from '../../base/paths.js';
import { containerdPaths } from '../engine-paths.js';

/**
 * Where one native engine of an instance keeps its socket, pidfile and log,
 * and how to recognise its process. Pure: computing it creates nothing.
 */
export interface EngineLayout {
  engine: EngineName;
  /** Executable names the engine runs as (argv[0], or argv[1] under a script interpreter). */
  programs: readonly string[];
  socket: string;
  pidFile: string;
  logFile: string;
  /** Directories `remove()` deletes. */
  dataDirs: readonly string[];
  /** The flag whose value names our socket: a PID is ours only if its argv carries it. */
  socketFlag: readonly [flag: string, value: string];
}

export function engineLayout(engine: EngineName, paths: InstancePaths): EngineLayout {
  if (engine === 'moby') {
    return {
      engine,
      // Rootless Docker runs as dockerd-rootless.sh → rootlesskit → dockerd, all carrying our flags.
      programs: ['dockerd', 'rootlesskit', 'dockerd-rootless.sh'],
      socket: paths.dockerSocket,
      pidFile: paths.dockerPidFile,
      logFile: path.join(paths.logDir, 'dockerd.log'),
      dataDirs: [paths.dockerDataRoot, paths.dockerExecRoot],
      socketFlag: ['--host', `unix://${paths.dockerSocket}`],
    };
  }
  const c = containerdPaths(paths);
  return {
    engine,
    programs: ['containerd'],
    socket: c.socket,
    pidFile: c.pidFile,
    logFile: path.join(paths.logDir, 'containerd.log'),
    dataDirs: [c.root, c.state],
    socketFlag: ['--address', c.socket],
  };
}

/** True when argv (from /proc/<pid>/cmdline) is this layout's engine: the right program AND our socket. */
export function ownsArgv(layout: EngineLayout, argv: readonly string[]): boolean {
  const program = argv.slice(0, 2).some((arg) => layout.programs.includes(path.basename(arg)));
  if (!program) return false;
  const [flag, value] = layout.socketFlag;
  return argv.some((arg, i) => (arg === flag && argv[i + 1] === value) || arg === `${flag}=${value}`);
}
