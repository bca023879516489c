import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../../base/errors.js';
import type { InstancePaths } from '../../base/paths.js';
import { DriverConfigError } from '../driver.js';
import { containerdPaths } from '../engine-paths.js';
import type { ExecutableLookup } from '../find-executable.js';
import { bridgeName } from './bridge.js';
import { containerdArgs, containerdConfigToml, daemonJsonConflicts, dockerdArgs } from './engine-command.js';
import type { EngineLayout } from './engine-layout.js';

/** The program an engine runs as, and its arguments. */
export interface EngineCommand {
  binary: string;
  args: string[];
}

/** What the checks read of the host. */
export interface CommandHost {
  paths: InstancePaths;
  isRoot: boolean;
  lookup: ExecutableLookup;
}

/** Bad configuration or a missing tool: retrying changes nothing until the user acts. */
function configError(message: string, cause?: unknown): DriverConfigError {
  return new DriverConfigError(message, 'native', { cause });
}

/** The program and arguments for an engine, after the checks that give a useful error instead of a cryptic exit. */
export async function engineCommand(layout: EngineLayout, host: CommandHost): Promise<EngineCommand> {
  const { paths, isRoot, lookup } = host;
  const rootless = isRoot ? undefined : lookup('dockerd-rootless.sh');
  if (layout.engine === 'containerd') {
    if (!isRoot) throw configError('the native driver needs root to run containerd: run the rdd service as root, or use the moby engine with rootless Docker');
    const binary = lookup('containerd');
    if (!binary) throw configError('containerd is not installed: install containerd (Debian/Ubuntu: apt-get install containerd) or containerd.io');
    const c = containerdPaths(paths);
    await mkdir(path.dirname(c.config), { recursive: true });
    await writeFile(c.config, containerdConfigToml(paths));
    return { binary, args: containerdArgs(paths) };
  }
  if (!isRoot && !rootless) {
    throw configError(
      'the native driver needs root to run dockerd, or rootless Docker: run the rdd service as root, or install rootless Docker (dockerd-rootless.sh, package docker-ce-rootless-extras)',
    );
  }
  const dockerd = lookup('dockerd');
  if (!dockerd) throw configError('dockerd is not installed: install docker.io (Debian/Ubuntu) or docker-ce');
  const withDaemonJson = existsSync(paths.daemonJson);
  const config = withDaemonJson ? checkDaemonJson(paths) : {};
  // The bridge itself is made at launch, under the host lock (it clears other bridges' leftover rules).
  const bridge = rootless ? undefined : bridgeName(paths.shortDir);
  // Containers outlive an engine crash; a user's own daemon.json setting wins (dockerd refuses both).
  const liveRestore = !rootless && !('live-restore' in config);
  const args = dockerdArgs(paths, { bridge, withDaemonJson, liveRestore });
  return rootless ? { binary: rootless, args } : { binary: dockerd, args };
}

function checkDaemonJson(paths: InstancePaths): object {
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(paths.daemonJson, 'utf8'));
  } catch (err) {
    throw configError(`daemon.json ${paths.daemonJson} is not valid JSON: ${errorMessage(err)}`, err);
  }
  const conflicts = daemonJsonConflicts(config);
  if (conflicts.length > 0) {
    throw configError(
      `daemon.json ${paths.daemonJson} sets ${conflicts.map((k) => `"${k}"`).join(', ')}, which rdd sets itself for this instance: remove ${conflicts.length > 1 ? 'them' : 'it'}`,
    );
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw configError(`daemon.json ${paths.daemonJson} must hold a JSON object`);
  }
  return config;
}
