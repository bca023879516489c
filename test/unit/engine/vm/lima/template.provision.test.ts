import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execaSync } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { instancePaths } from '../../../../../src/engine/base/paths.js';
import { renderLimaTemplate } from '../../../../../src/engine/vm/lima/template.js';

/**
 * Runs the rendered provisioning script the way Lima would (templates
 * expanded for user "alice", as root, PARAM_ENGINE set) against a scratch
 * root: absolute guest paths are moved under it, and the system tools
 * (apt-get, dpkg-query, systemctl, stat, usermod, sleep) are stubs that log
 * their arguments. It proves the script's decisions, not a real boot: the
 * real-guest test (test/integration/engine/vm/lima-guest.test.ts) does that.
 */
const paths = instancePaths('2', { env: {}, platform: 'linux', home: '/home/u' });
const script: string = parse(renderLimaTemplate({ engine: 'moby' }, paths, 'linux', 'x64'))
  .provision.find((p: { mode: string }) => p.mode === 'system')
  .script.replaceAll('{{.User}}', 'alice')
  .replace(/(?<=[\s"'=])\/(etc|var|run)\//g, '$$ROOT/$1/');

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'rdd-provision-'));
  const bin = path.join(root, 'bin');
  mkdirSync(bin);
  const stub = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/bash\necho "${name} $*" >>"$ROOT/calls"\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  // apt-get fails with the file apt-fails-<n>'s message on its n-th call, else "installs".
  stub(
    'apt-get',
    [
      'n=$(( $(cat "$ROOT/apt-count" 2>/dev/null || echo 0) + 1 )); echo "$n" >"$ROOT/apt-count"',
      'if [ -f "$ROOT/apt-fails-$n" ]; then cat "$ROOT/apt-fails-$n" >&2; exit 100; fi',
      'touch "$ROOT/installed"',
    ].join('\n'),
  );
  stub('dpkg-query', '[ -f "$ROOT/installed" ] && echo "install ok installed"; exit 0');
  // `systemctl is-active UNIT` answers from the file active-UNIT.
  stub('systemctl', 'if [ "$1" = is-active ]; then [ -f "$ROOT/active-${@: -1}" ]; fi');
  stub('usermod', '');
  stub('stat', 'cat "$ROOT/socket-owner"');
  stub('sleep', '');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function provision(socketOwner: string, engine = 'moby'): { calls: string[]; exitCode?: number } {
  writeFileSync(path.join(root, 'socket-owner'), `${socketOwner}\n`);
  rmSync(path.join(root, 'calls'), { force: true });
  const env = { PATH: `${path.join(root, 'bin')}:/usr/bin:/bin`, ROOT: root, PARAM_ENGINE: engine };
  const run = execaSync('bash', ['-c', script], { env, extendEnv: false, reject: false });
  const calls = existsSync(path.join(root, 'calls')) ? readFileSync(path.join(root, 'calls'), 'utf8').trim().split('\n') : [];
  return { calls, exitCode: run.exitCode };
}

function provisioned(socketOwner: string, engine = 'moby'): string[] {
  const { calls, exitCode } = provision(socketOwner, engine);
  expect(exitCode, failure() ?? '').toBe(0);
  return calls;
}

const failure = () => (existsSync(path.join(root, 'run/rdd/provision.failed')) ? readFileSync(path.join(root, 'run/rdd/provision.failed'), 'utf8') : undefined);
const RESTART = 'systemctl restart docker.socket docker.service';
const UPDATE = 'apt-get -o DPkg::Lock::Timeout=300 update';
const LOCKED = 'E: Could not get lock /var/lib/apt/lists/lock. It is held by process 812 (apt-get)\n';

// Each run forks a dozen stubs: seconds on a busy 2-core machine.
describe('the moby provisioning script', { timeout: 30_000 }, () => {
  it('installs docker.io on first boot, waiting for the dpkg lock', () => {
    const calls = provisioned('alice');
    expect(calls).toContain(UPDATE);
    expect(calls).toContain('apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends docker.io');
    expect(failure()).toBeUndefined();
  });

  it("waits with backoff while another apt holds the lists lock, which apt itself does not wait for", () => {
    writeFileSync(path.join(root, 'apt-fails-1'), LOCKED);
    writeFileSync(path.join(root, 'apt-fails-2'), LOCKED);
    const calls = provisioned('alice');
    expect(calls.filter((c) => c === UPDATE)).toHaveLength(3);
    expect(calls.filter((c) => c.startsWith('sleep'))).toEqual(['sleep 2', 'sleep 4']);
    expect(calls).toContain('apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends docker.io');
  });

  it('fails at once on any other apt error, leaving its last lines for the probe and the driver', () => {
    writeFileSync(path.join(root, 'apt-fails-2'), 'E: Unable to locate package docker.io\n');
    const { calls, exitCode } = provision('alice');
    expect(exitCode).toBe(100);
    expect(calls.filter((c) => c.startsWith('sleep'))).toEqual([]);
    expect(failure()).toMatch(/^the provisioning script failed \(exit 100\); its last lines:\n(.*\n)*E: Unable to locate package docker\.io\n/);
    // A later boot that succeeds clears the failure.
    expect(provision('alice').exitCode).toBe(0);
    expect(failure()).toBeUndefined();
  });

  it('restarts the socket when it is not owned by the Lima user (started before the drop-in applied)', () => {
    expect(provisioned('root')).toContain(RESTART);
  });

  it('leaves a socket the Lima user owns alone, and installs nothing twice', () => {
    provisioned('alice');
    const calls = provisioned('alice');
    expect(calls).not.toContain(RESTART);
    expect(calls.filter((c) => c.startsWith('apt-get'))).toEqual([]);
    expect(calls).toContain('systemctl enable --now docker.socket docker.service');
  });

  it('does not restart a dockerd that starts with daemon.json on this boot (first boot, engine switched back)', () => {
    mkdirSync(path.join(root, 'etc', 'docker'), { recursive: true });
    writeFileSync(path.join(root, 'etc', 'docker', 'daemon.json'), '{"debug":true}\n');
    expect(provisioned('alice')).not.toContain(RESTART);
  });

  it('restarts a running dockerd once when daemon.json changed, not again after', () => {
    mkdirSync(path.join(root, 'etc', 'docker'), { recursive: true });
    writeFileSync(path.join(root, 'etc', 'docker', 'daemon.json'), '{"debug":true}\n');
    provisioned('alice');
    writeFileSync(path.join(root, 'active-docker.service'), '');
    writeFileSync(path.join(root, 'etc', 'docker', 'daemon.json'), '{"debug":false}\n');
    expect(provisioned('alice').filter((c) => c === RESTART)).toHaveLength(1);
    expect(provisioned('alice')).not.toContain(RESTART);
  });
});

describe('the containerd provisioning script', { timeout: 30_000 }, () => {
  it('installs containerd, stops docker, and restarts a containerd whose socket the Lima user does not own', () => {
    const calls = provisioned('root', 'containerd');
    expect(calls).toContain('apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends containerd');
    expect(calls).toContain('systemctl disable --now docker.service docker.socket');
    expect(calls).toContain('systemctl restart containerd');
    expect(provisioned('alice', 'containerd')).not.toContain('systemctl restart containerd');
  });

  it('refuses an unknown engine, saying so in the failure it leaves', () => {
    expect(provision('alice', 'podman').exitCode).toBe(1);
    expect(failure()).toContain("unknown engine 'podman': expected moby or containerd");
  });
});
