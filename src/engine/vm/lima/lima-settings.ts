import { errorMessage } from '../../base/errors.js';
import type { InstancePaths } from '../../base/paths.js';
import { DriverConfigError, type EngineSettings, type MountType } from '../driver.js';
import { containerdPaths } from '../engine-paths.js';
import type { LimaInstance } from './limactl.js';

export const LIMA_INSTANCE = 'rd';
export const GUEST_DOCKER_SOCKET = '/var/run/docker.sock';
export const GUEST_CONTAINERD_SOCKET = '/run/containerd/containerd.sock';
export const GUEST_DAEMON_JSON = '/etc/docker/daemon.json';
/** Where the template's provisioning script leaves its last lines when it fails (templates/lima/rd.yaml). */
export const GUEST_PROVISION_FAILED = '/run/rdd/provision.failed';

/** daemon.json as the guest gets it: parsed and pretty-printed, so equal settings compare equal. */
export function daemonJsonContent(daemonJson: string, file: string): string {
  let config: unknown;
  try {
    config = JSON.parse(daemonJson);
  } catch (err) {
    throw new DriverConfigError(`daemon.json ${file} is not valid JSON: ${errorMessage(err)}`, 'lima', { cause: err });
  }
  return `${JSON.stringify(config, null, 2)}\n`;
}

/**
 * Lima runs data content through Go's text/template, so a literal `{{` (as in
 * a Docker log tag `{{.Name}}`) must be written as an action printing `{{`.
 * A lone `}}` is plain text to Go templates and needs nothing.
 */
export function escapeGoTemplate(text: string): string {
  return text.replace(/\{\{/g, '{{"{{"}}');
}

/** The Lima `mode: data` provision entry that installs `content` (from daemonJsonContent) as the guest's daemon.json. */
export function daemonJsonProvision(content: string) {
  return { mode: 'data', path: GUEST_DAEMON_JSON, owner: 'root:root', permissions: '644', content: escapeGoTemplate(content) };
}

/** Rosetta exists only on Apple silicon under the vz VM type. */
export function rosettaApplies(settings: EngineSettings, platform: NodeJS.Platform, arch: NodeJS.Architecture): boolean {
  return settings.rosetta === true && platform === 'darwin' && arch === 'arm64';
}

/** Lima's `mounts` for the App's settings: the home folder, writable, unless the App says not to share it. */
export function limaMounts(settings: EngineSettings): { location: string; writable: boolean }[] {
  return settings.mounts?.home === false ? [] : [{ location: '~', writable: true }];
}

/** Lima's `mountType`: null leaves Lima its default for the VM type. */
export function limaMountType(settings: EngineSettings): Exclude<MountType, 'default'> | null {
  const type = settings.mounts?.type ?? 'default';
  return type === 'default' ? null : type;
}

/** What Lima resolves a null mountType to (limactl list reports the resolved value). */
const LIMA_DEFAULT_MOUNT_TYPE: Record<string, string> = { vz: 'virtiofs', qemu: '9p' };

/** The limactl argument arrays the driver runs; one place, so tests can assert them. */
export const limactlArgs = {
  create: (file: string) => ['create', '--name', LIMA_INSTANCE, '--tty=false', file],
  /** `timeout` (a Go duration) replaces limactl's 10 minutes of waiting for the guest to be ready. */
  start: (timeout?: string) => ['start', '--tty=false', ...(timeout ? [`--timeout=${timeout}`] : []), LIMA_INSTANCE],
  stop: () => ['stop', LIMA_INSTANCE],
  delete: () => ['delete', '--force', LIMA_INSTANCE],
  list: () => ['list', '--json'],
  version: () => ['--version'],
  /** Runs a command in the guest as the Lima user (over SSH, so only once the VM is up). */
  shell: (...command: string[]) => ['shell', '--workdir', '/', LIMA_INSTANCE, ...command],
  edit: (expressions: readonly string[]) => ['edit', '--tty=false', '--set', expressions.join(' | '), LIMA_INSTANCE],
};

export function portForwards(engine: EngineSettings['engine'], paths: InstancePaths) {
  const forwards = [{ guestSocket: GUEST_DOCKER_SOCKET, hostSocket: paths.dockerSocket }];
  if (engine === 'containerd') forwards.push({ guestSocket: GUEST_CONTAINERD_SOCKET, hostSocket: containerdPaths(paths).socket });
  return forwards;
}

const GiB = 2 ** 30;

/**
 * `limactl edit --set` expressions (yq syntax) that bring an existing VM to
 * the wanted settings; empty when nothing differs. Engine, Rosetta and
 * daemon.json are compared only when `limactl list --json` reports the
 * instance config. Lima reports data content with its Go templates already
 * expanded, so daemon.json is compared unescaped. A removed daemon.json stops
 * being provisioned, but the guest keeps the file it was given.
 */
export function limaEdits(
  instance: LimaInstance,
  settings: EngineSettings,
  paths: InstancePaths,
  platform: NodeJS.Platform,
  arch: NodeJS.Architecture,
  daemonJson?: string,
): string[] {
  const edits: string[] = [];
  if (settings.cpus !== undefined && instance.cpus !== settings.cpus) edits.push(`.cpus = ${settings.cpus}`);
  if (settings.memory !== undefined && instance.memory !== settings.memory * GiB) edits.push(`.memory = "${settings.memory}GiB"`);
  const config = instance.config;
  if (config?.param?.ENGINE !== undefined && config.param.ENGINE !== settings.engine) {
    edits.push(`.param.ENGINE = "${settings.engine}"`, `.portForwards = ${JSON.stringify(portForwards(settings.engine, paths))}`);
  }
  const rosetta = rosettaApplies(settings, platform, arch);
  const current = config?.vmOpts?.vz?.rosetta?.enabled;
  if (current !== undefined && current !== rosetta) {
    edits.push(`.vmOpts.vz.rosetta.enabled = ${rosetta}`, `.vmOpts.vz.rosetta.binfmt = ${rosetta}`);
  }
  if (Array.isArray(config?.mounts) && config.mounts.length > 0 !== limaMounts(settings).length > 0) {
    edits.push(`.mounts = ${JSON.stringify(limaMounts(settings))}`);
  }
  const mountType = limaMountType(settings);
  const currentType = config?.mountType;
  if (currentType !== undefined && currentType !== (mountType ?? LIMA_DEFAULT_MOUNT_TYPE[instance.vmType ?? config?.vmType ?? 'qemu'])) {
    edits.push(`.mountType = ${JSON.stringify(mountType)}`);
  }
  const provision = config?.provision;
  if (Array.isArray(provision)) {
    const current = provision.find((p) => p.path === GUEST_DAEMON_JSON)?.content;
    const wanted = daemonJson === undefined ? undefined : daemonJsonContent(daemonJson, paths.daemonJson);
    const others = `(.provision | map(select(.path != "${GUEST_DAEMON_JSON}")))`;
    if (wanted !== undefined && wanted !== current) edits.push(`.provision = [${JSON.stringify(daemonJsonProvision(wanted))}] + ${others}`);
    if (wanted === undefined && current !== undefined) edits.push(`.provision = ${others}`);
  }
  return edits;
}
