import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { instancePaths } from '../../../../src/engine/base/paths.js';
import type { EngineSettings } from '../../../../src/engine/vm/driver.js';
import { renderLimaTemplate } from '../../../../src/engine/vm/lima/template.js';
import { freshRoot, Guest, GUEST_TOOL, LIMA_USER, guestImage, LimaTemplate, removeScratch, scratchDir, type GuestImage, type ScriptRun } from '../../../support/lima-guest/guest.js';

/**
 * rdd's Lima template in a real systemd guest, without Lima (docs/testing.md,
 * "The real-guest test"): a Debian bookworm root booted with systemd-nspawn,
 * the template rendered by renderLimaTemplate and applied in Lima's boot
 * order, docker.io and containerd installed by the script's own apt-get from
 * a local read-only repository, every check made as the Lima user.
 */

/** Built once per package list and kept between runs (debootstrap takes minutes). */
const CACHE = process.env.RDD_TEST_CACHE_DIR ?? '/var/cache/rdd-test/lima-guest';
/** What the template's provisioning script installs, for either engine. */
const PACKAGES = ['docker.io', 'containerd'];
const paths = instancePaths('guest', { env: {}, platform: 'darwin', home: '/Users/u' });
/** A daemon.json with a Go template in it, which must reach dockerd as written. */
const DAEMON_JSON = { labels: ['rdd.test={{x}}'], 'log-level': 'info' };

let image: GuestImage;
let scratch: string;
/** The host user's home folder, as the template's `~` mount shares it. */
let home: string;
const guests = new Set<Guest>();

function template(settings: EngineSettings, daemonJson?: object): LimaTemplate {
  const rendered = renderLimaTemplate(settings, paths, 'darwin', 'arm64', daemonJson === undefined ? undefined : JSON.stringify(daemonJson));
  return new LimaTemplate(rendered, image.tool, scratch);
}

async function boot(root: string, lima?: LimaTemplate, repo = image.repo): Promise<Guest> {
  const guest = await Guest.boot(root, repo, image.tool, path.join(scratch, `${path.basename(root)}.console.log`), lima?.mounts(home) ?? []);
  guests.add(guest);
  // A test that fails midway still powers its guest off: the next boot of the same root needs it.
  onTestFinished(() => shutdown(guest), 90_000);
  return guest;
}

async function shutdown(guest: Guest): Promise<void> {
  await guest.shutdown();
  guests.delete(guest);
}

/** Every run exited 0; otherwise fails with the run's output. */
function expectSucceeded(runs: ScriptRun[]): void {
  for (const run of runs) expect(run.exitCode, `${run.what} failed:\n${run.stdout}\n${run.stderr}`.slice(-4000)).toBe(0);
}

/** How often systemd started `unit` in this boot. */
async function starts(guest: Guest, unit: string): Promise<number> {
  const log = await guest.root(['journalctl', '-b', '-u', unit, '-o', 'cat', '--no-pager']);
  return log.stdout.split('\n').filter((l) => l.startsWith(`Started ${unit}`)).length;
}

async function provisionLog(guest: Guest): Promise<string> {
  return (await guest.root(['cat', '/run/rdd/provision.log'])).stdout;
}

beforeAll(async () => {
  // Cold: debootstrap plus the package download (minutes); warm: a lookup.
  image = await guestImage(CACHE, PACKAGES, 25 * 60_000);
  scratch = await scratchDir(CACHE);
  home = path.join(scratch, 'Users', 'u');
  mkdirSync(path.join(home, 'project'), { recursive: true });
  writeFileSync(path.join(home, 'project', 'hello.txt'), 'from the host\n');
  // On a Mac the shared files belong to the Lima user in the guest (virtiofs and 9p map the owner).
  await execa('chown', ['-R', `${LIMA_USER.uid}:${LIMA_USER.uid}`, home]);
}, 26 * 60_000);

afterAll(async () => {
  for (const guest of guests) await guest.shutdown();
  await removeScratch(scratch);
}, 180_000);

describe("rdd's Lima template in a real systemd guest: moby", { timeout: 300_000 }, () => {
  let root: string;

  it('first boot installs docker.io; the Lima user reaches dockerd without a re-login, with daemon.json as given; dockerd starts once', async () => {
    root = await freshRoot(image, scratch, 'moby');
    const lima = template({ engine: 'moby' }, DAEMON_JSON);
    const guest = await boot(root, lima);
    // The session behind Lima's socket forward exists before provisioning: Guest.user runs without the docker group.
    expectSucceeded(await lima.provision(guest));
    expect((await guest.root(['stat', '-c', '%U', '/run/docker.sock'])).stdout.trim()).toBe('lima');
    const version = await guest.user(['docker', 'version', '--format', '{{.Server.Version}}']);
    expect(version.exitCode, version.stderr).toBe(0);
    expect(JSON.parse((await guest.root(['cat', '/etc/docker/daemon.json'])).stdout)).toEqual(DAEMON_JSON);
    expect((await guest.user(['docker', 'info', '--format', '{{json .Labels}}'])).stdout).toContain('rdd.test={{x}}');
    expectSucceeded(await lima.probe(guest));
    expect(await starts(guest, 'docker.service')).toBe(1);
  });

  it("shares the host's home folder at the same path, writable for the Lima user, so bind mounts of host paths find the host's files", async () => {
    const lima = template({ engine: 'moby' }, DAEMON_JSON);
    const guest = await boot(root, lima);
    const project = path.join(home, 'project');
    expect((await guest.user(['cat', path.join(project, 'hello.txt')])).stdout).toBe('from the host');
    const write = await guest.user(['sh', '-c', `echo from the guest >${path.join(project, 'back.txt')}`]);
    expect(write.exitCode, write.stderr).toBe(0);
    expect(readFileSync(path.join(project, 'back.txt'), 'utf8')).toBe('from the guest\n');
    // What dockerd bind-mounts for `docker run -v "$PWD":/src` is this guest path. Running a container needs
    // writable cgroups, which systemd-nspawn does not give a guest on a host without systemd: not tried here.
  });

  it('second boot is idempotent: no apt, no docker restart', async () => {
    const lima = template({ engine: 'moby' }, DAEMON_JSON);
    const guest = await boot(root, lima);
    expectSucceeded(await lima.provision(guest));
    expect(await provisionLog(guest)).not.toContain('apt_get');
    expect(await starts(guest, 'docker.service')).toBe(1);
    expectSucceeded(await lima.probe(guest));
  });

  it('a boot after daemon.json changed restarts docker once, and the new settings are live', async () => {
    const guest = await boot(root);
    const changed = { ...DAEMON_JSON, labels: ['rdd.test=changed'] };
    const lima = template({ engine: 'moby' }, changed);
    expectSucceeded(await lima.provision(guest));
    expect(await starts(guest, 'docker.service')).toBe(2);
    expect((await guest.user(['docker', 'info', '--format', '{{json .Labels}}'])).stdout).toContain('rdd.test=changed');
    expectSucceeded(await lima.probe(guest));
  });
});

describe("rdd's Lima template in a real systemd guest: containerd", { timeout: 300_000 }, () => {
  let root: string;

  it("first boot waits for apt's list lock held by another process, then installs containerd for the Lima user", async () => {
    root = await freshRoot(image, scratch, 'containerd');
    const guest = await boot(root);
    // What apt-daily does on a fresh VM's first boot: hold /var/lib/apt/lists/lock (apt's fcntl lock) for a while.
    const holder = guest.spawnRoot([GUEST_TOOL, 'lock', '/var/lib/apt/lists/lock', '8']);
    await waitForLine(holder, 'locked');
    const lima = template({ engine: 'containerd' });
    const runs = await lima.provision(guest);
    await holder;
    expectSucceeded(runs);
    expect(await provisionLog(guest)).toContain("another process holds apt's lock");
    // Debian's package ships its own config.toml: the socket belongs to the Lima user all the same.
    expect((await guest.root(['test', '-f', '/etc/containerd/config.toml'])).exitCode).toBe(0);
    expect((await guest.root(['stat', '-c', '%U', '/run/containerd/containerd.sock'])).stdout.trim()).toBe('lima');
    const version = await guest.user(['ctr', 'version']);
    expect(version.exitCode, version.stderr).toBe(0);
    expectSucceeded(await lima.probe(guest));
    expect(await starts(guest, 'containerd.service')).toBe(1);
  });

  it('second boot is idempotent: no apt, no containerd restart', async () => {
    const guest = await boot(root);
    const lima = template({ engine: 'containerd' });
    expectSucceeded(await lima.provision(guest));
    expect(await provisionLog(guest)).not.toContain('apt_get');
    expect(await starts(guest, 'containerd.service')).toBe(1);
    expectSucceeded(await lima.probe(guest));
  });

  it("a failed provisioning is reported by the probe at once, with the script's last lines, for the driver to read as the Lima user", async () => {
    // Switching to moby needs docker.io, which this repository does not have (as with no network).
    const empty = path.join(scratch, 'empty-repo');
    mkdirSync(empty, { recursive: true });
    writeFileSync(path.join(empty, 'Packages'), '');
    const guest = await boot(root, undefined, empty);
    const lima = template({ engine: 'moby' });
    const [run] = await lima.provision(guest);
    expect(run.exitCode).not.toBe(0);
    const failure = await guest.user(['cat', '/run/rdd/provision.failed']);
    expect(failure.stdout).toMatch(/^the provisioning script failed \(exit 100\); its last lines:\n(.*\n)*E: Package 'docker\.io' has no installation candidate$/);
    const [probe] = await lima.probe(guest);
    expect(probe.exitCode).toBe(1);
    expect(probe.stderr).toContain("E: Package 'docker.io' has no installation candidate");
    expect(probe.ms).toBeLessThan(10_000);
  });
});

/** Resolves once the process printed `line` on stdout; fails if it exits first. */
function waitForLine(child: ReturnType<Guest['spawnRoot']>, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.split('\n').includes(line)) resolve();
    });
    void child.then((r) => reject(new Error(`the lock holder exited (${r.exitCode}) before printing "${line}": ${String(r.stderr)}`)));
  });
}
