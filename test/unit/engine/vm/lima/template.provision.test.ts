import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execaSync } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { instancePaths } from '../../../../../src/engine/base/paths.js';
import { renderLimaTemplate } from '../../../../../src/engine/vm/lima/template.js';

/**
 * Runs the rendered moby provisioning script the way Lima would (templates
 * expanded for user "alice", as root, PARAM_ENGINE set) against a scratch
 * root: absolute guest paths are moved under it, and the system tools
 * (apt-get, dpkg-query, systemctl, stat, usermod) are stubs that log their
 * arguments. It proves the script's decisions, not a real boot.
 */
const paths = instancePaths('2', { env: {}, platform: 'linux', home: '/home/u' });
const script: string = parse(renderLimaTemplate({ engine: 'moby' }, paths, 'linux', 'x64'))
  .provision.find((p: { mode: string }) => p.mode === 'system')
  .script.replaceAll('{{.User}}', 'alice')
  .replace(/(?<=[\s"'])\/(etc|var)\//g, '$$ROOT/$1/');

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'rdd-provision-'));
  const bin = path.join(root, 'bin');
  mkdirSync(bin);
  const stub = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/bash\necho "${name} $*" >>"$ROOT/calls"\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  stub('apt-get', 'touch "$ROOT/installed"');
  stub('dpkg-query', '[ -f "$ROOT/installed" ] && echo "install ok installed"; exit 0');
  stub('systemctl', '');
  stub('usermod', '');
  stub('stat', 'cat "$ROOT/socket-owner"');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function provision(socketOwner: string): string[] {
  writeFileSync(path.join(root, 'socket-owner'), `${socketOwner}\n`);
  rmSync(path.join(root, 'calls'), { force: true });
  const env = { PATH: `${path.join(root, 'bin')}:/usr/bin:/bin`, ROOT: root, PARAM_ENGINE: 'moby' };
  const run = execaSync('bash', ['-c', script], { env, extendEnv: false, reject: false });
  expect(run.exitCode, String(run.stderr)).toBe(0);
  return readFileSync(path.join(root, 'calls'), 'utf8').trim().split('\n');
}

const RESTART = 'systemctl restart docker.socket docker.service';

describe('the moby provisioning script', () => {
  it('installs docker.io on first boot, waiting for the dpkg lock', () => {
    const calls = provision('alice');
    expect(calls).toContain('apt-get -o DPkg::Lock::Timeout=300 update');
    expect(calls).toContain('apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends docker.io');
  });

  it('restarts the socket when it is not owned by the Lima user (started before the drop-in applied)', () => {
    expect(provision('root')).toContain(RESTART);
  });

  it('leaves a socket the Lima user owns alone, and installs nothing twice', () => {
    provision('alice');
    const calls = provision('alice');
    expect(calls).not.toContain(RESTART);
    expect(calls.filter((c) => c.startsWith('apt-get'))).toEqual([]);
    expect(calls).toContain('systemctl enable --now docker.socket docker.service');
  });

  it('restarts the engine once when daemon.json changed, not again after', () => {
    mkdirSync(path.join(root, 'etc', 'docker'), { recursive: true });
    writeFileSync(path.join(root, 'etc', 'docker', 'daemon.json'), '{"debug":true}\n');
    expect(provision('alice').filter((c) => c === RESTART)).toHaveLength(1);
    expect(provision('alice')).not.toContain(RESTART);
  });
});
