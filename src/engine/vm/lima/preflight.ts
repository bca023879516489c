import { existsSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { maxSocketPathBytes, type InstancePaths } from '../../base/paths.js';
import { DriverConfigError } from '../driver.js';
import { LIMA_INSTANCE, portForwards } from './lima-settings.js';

/**
 * Checks made before `limactl create`, so that a host Lima cannot serve fails
 * with rdd's words and a way out instead of limactl's (or a hang).
 */

const UPGRADE_LIMA = 'upgrade Lima (https://lima-vm.io/docs/installation/), e.g. `brew upgrade lima`';

/**
 * The release `limactl --version` names ("limactl version 2.0.1"); undefined
 * when it names none. A build from git prints `git describe` output
 * (2.0.0-14-gabc1234: 14 commits after 2.0.0), which semver would read as a
 * pre-release of 2.0.0, so the suffix is dropped.
 */
export function parseLimaVersion(output: string): string | undefined {
  const m = /\bversion\s+(\S+)/.exec(output);
  return m ? semver.coerce(m[1])?.version : undefined;
}

/** Lima older than the template's minimumLimaVersion rejects keys the template needs; say what to upgrade. */
export function assertLimaVersion(versionOutput: string, minimum: string): void {
  const version = parseLimaVersion(versionOutput);
  if (version === undefined) {
    throw new DriverConfigError(`cannot tell the Lima version from \`limactl --version\` (${JSON.stringify(versionOutput.trim())}); rdd needs Lima ≥ ${minimum}`, 'lima');
  }
  if (semver.lt(version, minimum)) {
    throw new DriverConfigError(`Lima ${version} is too old: rdd's Lima template needs Lima ≥ ${minimum}; ${UPGRADE_LIMA}`, 'lima');
  }
}

/**
 * Every Unix socket the instance will have on the host: the forwarded engine
 * sockets (containerd's too, since the engine can change later) and Lima's
 * own in the instance dir, of which the SSH ControlMaster's
 * `ssh.sock.<16 characters>` is the longest.
 */
export function limaHostSockets(paths: InstancePaths): string[] {
  const instanceDir = path.join(paths.limaHome, LIMA_INSTANCE);
  return [
    ...portForwards('containerd', paths).map((f) => f.hostSocket),
    path.join(instanceDir, 'ha.sock'),
    path.join(instanceDir, `ssh.sock.${'x'.repeat(16)}`),
  ];
}

/** Fails on the longest socket path first: a too-long one would fail deep inside Lima, after the download. */
export function assertSocketPathsFit(paths: InstancePaths, platform: NodeJS.Platform): void {
  const max = maxSocketPathBytes(platform);
  const longest = limaHostSockets(paths).reduce((a, b) => (Buffer.byteLength(b) > Buffer.byteLength(a) ? b : a));
  const bytes = Buffer.byteLength(longest);
  if (bytes > max) {
    throw new DriverConfigError(
      `the Lima VM would need the socket path ${longest} (${bytes} bytes), over the ${max}-byte limit for Unix sockets on ${platform}; ` +
        `use a shorter HOME or instance name (the sockets live under ${paths.shortDir})`,
      'lima',
    );
  }
}

/** Where macOS keeps the Rosetta runtime once `softwareupdate --install-rosetta` has run. */
export const ROSETTA_RUNTIME = '/Library/Apple/usr/share/rosetta/rosetta';

/**
 * Lima installs a missing Rosetta from a background process that can wait for
 * a license prompt nobody sees; refusing up front with the command is kinder.
 */
export function assertRosettaInstalled(installed: () => boolean = () => existsSync(ROSETTA_RUNTIME)): void {
  if (!installed()) {
    throw new DriverConfigError(
      'the App asks for Rosetta, but Rosetta 2 is not installed on this Mac; install it with ' +
        '`softwareupdate --install-rosetta --agree-to-license` or set vm.rosetta=false',
      'lima',
    );
  }
}
