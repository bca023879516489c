import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { silentLogger } from '../../../../src/engine/base/log.js';
import { instancePaths, type InstancePaths } from '../../../../src/engine/base/paths.js';
import { DriverConfigError, DriverError, type DriverState, type StartProgress } from '../../../../src/engine/vm/driver.js';
import { containerdPaths } from '../../../../src/engine/vm/engine-paths.js';
import { LimaDriver, type LimaDriverOptions } from '../../../../src/engine/vm/lima/lima-driver.js';
import { renderLimaTemplate } from '../../../../src/engine/vm/lima/template.js';
import { rejectionOf } from '../../../support/rejection.js';

const fakeLimactl = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fake-limactl.mjs');

let home: string;
let paths: InstancePaths;
let driver: LimaDriver;
let dockerForward: http.Server;
let containerdForward: http2.Http2Server;

/** The argv lines the fake limactl recorded since the last call. */
let seen = 0;
function newCalls(): string[] {
  const lines = readFileSync(path.join(paths.limaHome, 'argv.log'), 'utf8').trim().split('\n');
  const fresh = lines.slice(seen);
  seen = lines.length;
  return fresh;
}

function limaDriver(options: LimaDriverOptions = {}): LimaDriver {
  return new LimaDriver(
    { paths, log: silentLogger },
    { limactl: fakeLimactl, platform: 'linux', arch: 'x64', readyTimeoutMs: 5000, monitorIntervalMs: 60_000, ...options },
  );
}

const limactlLog = () => readFileSync(path.join(paths.logDir, 'limactl.log'), 'utf8');
const instanceFile = (name: string) => path.join(paths.limaHome, 'rd', name);
const control = (name: string) => path.join(paths.limaHome, name);

/** Runs the fake directly, with the instance's LIMA_HOME. */
function fake(...args: string[]) {
  return execa(fakeLimactl, args, { env: { LIMA_HOME: paths.limaHome }, reject: false });
}

beforeAll(async () => {
  home = mkdtempSync('/tmp/rdd.');
  paths = instancePaths('lima', { home, env: {} });
  driver = limaDriver();
  mkdirSync(paths.shortDir, { recursive: true });
  // Stand in for Lima's forwards of the guest sockets: dockerd's /_ping, containerd's gRPC Version.
  dockerForward = http.createServer((req, res) => res.end(req.url === '/_ping' ? 'OK' : ''));
  await new Promise<void>((resolve) => dockerForward.listen(paths.dockerSocket, resolve));
  containerdForward = http2.createServer();
  containerdForward.on('stream', (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '0' }, { endStream: true });
  });
  await new Promise<void>((resolve) => containerdForward.listen(containerdPaths(paths).socket, resolve));
  // Another instance in the same LIMA_HOME, which the driver must leave alone.
  mkdirSync(path.join(paths.limaHome, 'other'), { recursive: true });
  writeFileSync(path.join(paths.limaHome, 'other', 'lima.yaml'), 'images: [{location: "https://example.invalid/other.img"}]\n');
});

afterAll(async () => {
  await driver.dispose();
  await new Promise((resolve) => dockerForward.close(resolve));
  await new Promise((resolve) => containerdForward.close(resolve));
  rmSync(home, { recursive: true, force: true });
});

describe('lima driver against a fake limactl', () => {
  it('checks the Lima version, then creates and starts the VM from the rendered template under the instance LIMA_HOME', async () => {
    // A Docker log tag is a Go template: Lima must write it as it is.
    writeFileSync(paths.daemonJson, '{"debug":true,"log-opts":{"tag":"{{.Name}}"}}');
    const progress: StartProgress[] = [];
    await driver.start({ engine: 'moby', cpus: 2, memory: 4 }, undefined, (p) => progress.push(p));

    expect(newCalls()).toEqual(['list --json', '--version', `create --name rd --tty=false ${driver.templateFile}`, 'start --tty=false --timeout=30m rd']);
    expect(new Set(readFileSync(control('lima-home.log'), 'utf8').trim().split('\n'))).toEqual(new Set([paths.limaHome]));
    const yaml = parse(readFileSync(instanceFile('lima.yaml'), 'utf8'));
    expect(yaml).toMatchObject({ vmType: 'qemu', cpus: 2, memory: '4GiB', param: { ENGINE: 'moby' } });
    expect(yaml.portForwards).toEqual([{ guestSocket: '/var/run/docker.sock', hostSocket: paths.dockerSocket }]);
    expect(await driver.state()).toEqual({ phase: 'running', engine: 'moby' });
    // Lima accepted the template without a warning (unknown field, unexpandable template).
    expect(limactlLog()).not.toMatch(/level=warning/);
    expect(limactlLog()).toMatch(/limactl start --tty=false --timeout=30m rd \(exit 0\)\n(.*\n)*.*READY\. Run/);

    // The guest gets daemon.json byte for byte, after Lima's template expansion.
    const { stdout } = await fake('list', '--json', 'rd');
    const reported = JSON.parse(stdout).config.provision.find((p: { path?: string }) => p.path === '/etc/docker/daemon.json');
    expect(JSON.parse(reported.content)).toEqual({ debug: true, 'log-opts': { tag: '{{.Name}}' } });

    expect(progress.every((p) => p.firstCreate)).toBe(true);
    expect(existsSync(path.join(paths.shortDir, 'lima-provisioned'))).toBe(true);
    expect(progress.map((p) => p.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^creating the Lima VM \(the first start downloads/),
        'starting the Lima VM: [hostagent] Waiting for the essential requirement 1 of 2: "ssh"',
      ]),
    );
    newCalls();
  });

  it('start on a running VM with the same settings only lists (the config Lima reports matches)', async () => {
    const progress: StartProgress[] = [];
    await driver.start({ engine: 'moby', cpus: 2, memory: 4 }, undefined, (p) => progress.push(p));
    expect(newCalls()).toEqual(['list --json']);
    expect(progress).toEqual([]);
  });

  it('changing cpus stops, edits and restarts the VM, reporting progress of a start that is not the first', async () => {
    const progress: StartProgress[] = [];
    await driver.start({ engine: 'moby', cpus: 3, memory: 4 }, undefined, (p) => progress.push(p));
    expect(newCalls()).toEqual(['list --json', 'stop rd', "edit --tty=false --set '.cpus = 3' rd", 'start --tty=false rd']);
    expect(parse(readFileSync(instanceFile('lima.yaml'), 'utf8')).cpus).toBe(3);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.some((p) => p.firstCreate)).toBe(false);
  });

  it('a changed daemon.json is provisioned through edit, and then matches', async () => {
    writeFileSync(paths.daemonJson, '{"debug":false}');
    await driver.start({ engine: 'moby', cpus: 3, memory: 4 });
    const calls = newCalls();
    expect(calls[0]).toBe('list --json');
    expect(calls.slice(1, 3)[0]).toBe('stop rd');
    expect(calls[2]).toMatch(/^edit --tty=false --set '\.provision = \[.*"path":"\/etc\/docker\/daemon\.json".*\] \+ \(\.provision/);
    await driver.start({ engine: 'moby', cpus: 3, memory: 4 });
    expect(newCalls()).toEqual(['list --json']);
    expect(limactlLog()).not.toMatch(/level=warning/);
  });

  it('switching the engine edits its parameter and socket forwards, read back from Lima', async () => {
    await driver.start({ engine: 'containerd', cpus: 3, memory: 4 });
    expect(newCalls()).toEqual([
      'list --json',
      'stop rd',
      expect.stringMatching(/^edit --tty=false --set '\.param\.ENGINE = "containerd" \| \.portForwards = \[/),
      'start --tty=false rd',
    ]);
    expect(parse(readFileSync(instanceFile('lima.yaml'), 'utf8')).portForwards).toContainEqual({
      guestSocket: '/run/containerd/containerd.sock',
      hostSocket: containerdPaths(paths).socket,
    });
    expect(await limaDriver().state()).toEqual({ phase: 'running', engine: 'containerd' });
    await driver.start({ engine: 'moby', cpus: 3, memory: 4 });
    newCalls();
  });

  it('reports a VM stopped behind its back through onStateChange', async () => {
    const watcher = limaDriver({ monitorIntervalMs: 50 });
    await watcher.start({ engine: 'moby', cpus: 3, memory: 4 });
    const states: DriverState[] = [];
    watcher.onStateChange((s) => states.push(s));
    rmSync(instanceFile('ha.pid'));
    await vi.waitFor(() => expect(states).toEqual([{ phase: 'stopped' }]), { timeout: 10_000, interval: 50 });
    await watcher.dispose();
    writeFileSync(instanceFile('ha.pid'), '1\n');
    newCalls();
  });

  it('reports a broken VM as crashed with the reason Lima gives', async () => {
    writeFileSync(instanceFile('broken'), 'open /h/lima/rd/diffdisk: no such file or directory');
    expect(await driver.state()).toEqual({ phase: 'crashed', message: 'Lima VM "rd" is broken: open /h/lima/rd/diffdisk: no such file or directory' });
    rmSync(instanceFile('broken'));
    newCalls();
  });

  it('stops the VM', async () => {
    await driver.stop();
    expect(newCalls()).toEqual(['list --json', 'stop rd']);
    expect(await driver.state()).toEqual({ phase: 'stopped' });
    await driver.stop();
    expect(newCalls()).toEqual(['list --json', 'list --json']);
  });

  it("maps a limactl failure to a DriverError carrying limactl's own message", async () => {
    writeFileSync(control('fail-start'), 'failed to start the host agent: vz: not supported');
    const err = await rejectionOf(driver.start({ engine: 'moby', cpus: 3, memory: 4 }), DriverError);
    rmSync(control('fail-start'));
    expect((err as Error).message).toBe(
      `limactl start failed: failed to start the host agent: vz: not supported (full output in ${path.join(paths.logDir, 'limactl.log')})`,
    );
    expect(limactlLog()).toMatch(/limactl start --tty=false rd \(exit 1\)\n.*level=info.*\n.*level=fatal/);
    newCalls();
  });

  it('reports broken list output as a DriverError', async () => {
    writeFileSync(control('list-output'), '{"name":"rd","status":\n');
    await expect(driver.state()).rejects.toThrow(/cannot parse `limactl list --json` output \(line 1\)/);
    rmSync(control('list-output'));
    newCalls();
  });

  it('removes the VM with delete --force, leaving the other instance', async () => {
    await driver.start({ engine: 'moby', cpus: 3, memory: 4 });
    newCalls();
    await driver.remove();
    expect(newCalls()).toEqual(['list --json', 'delete --force rd']);
    expect(existsSync(path.join(paths.limaHome, 'rd'))).toBe(false);
    expect(existsSync(path.join(paths.shortDir, 'lima-provisioned'))).toBe(false);
    expect(existsSync(path.join(paths.limaHome, 'other', 'lima.yaml'))).toBe(true);
    expect(await driver.state()).toEqual({ phase: 'absent' });
    await driver.remove();
    expect(newCalls()).toEqual(['list --json', 'list --json']);
  });

  it('a start after an interrupted first create is still a first create', async () => {
    writeFileSync(driver.templateFile, renderLimaTemplate({ engine: 'moby' }, paths, 'linux', 'x64', readFileSync(paths.daemonJson, 'utf8')));
    await fake('create', '--name', 'rd', '--tty=false', driver.templateFile);
    newCalls();
    const progress: StartProgress[] = [];
    await driver.start({ engine: 'moby' }, undefined, (p) => progress.push(p));
    expect(newCalls()).toEqual(['list --json', 'start --tty=false --timeout=30m rd']);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.firstCreate)).toBe(true);
    await driver.remove();
    newCalls();
  });

  it("fails a start whose provisioning failed within seconds, with the script's last lines, and stops the VM", async () => {
    const quick = limaDriver({ provisionPollMs: 100 });
    writeFileSync(control('start-blocks'), '');
    mkdirSync(path.join(instanceFile('guest'), 'run', 'rdd'), { recursive: true });
    writeFileSync(path.join(instanceFile('guest'), 'run', 'rdd', 'provision.failed'), 'the provisioning script failed (exit 100); its last lines:\nE: Unable to locate package docker.io\n');
    const started = Date.now();
    const err = await rejectionOf(quick.start({ engine: 'moby' }), DriverConfigError);
    rmSync(control('start-blocks'));
    expect(Date.now() - started).toBeLessThan(30_000);
    expect((err as Error).message).toMatch(/^provisioning the Lima VM failed; the VM was stopped, and the next start provisions it again\. the provisioning script failed \(exit 100\); its last lines:\nE: Unable to locate package docker\.io$/);
    const calls = newCalls();
    expect(calls.slice(0, 3)).toEqual(['list --json', '--version', `create --name rd --tty=false ${driver.templateFile}`]);
    expect(calls).toContain('start --tty=false --timeout=30m rd');
    expect(calls).toContain('shell --workdir / rd cat /run/rdd/provision.failed');
    expect(calls.at(-1)).toBe('stop rd');
    expect(await quick.state()).toEqual({ phase: 'stopped' });
    await quick.dispose();
    await driver.remove();
    newCalls();
  });

  it('refuses a Lima older than the template needs, before creating anything', async () => {
    writeFileSync(control('version'), '1.2.1');
    const err = await rejectionOf(driver.start({ engine: 'moby' }), DriverConfigError);
    rmSync(control('version'));
    expect((err as Error).message).toMatch(/^Lima 1\.2\.1 is too old: rdd's Lima template needs Lima ≥ 2\.0\.0; upgrade Lima/);
    expect(newCalls()).toEqual(['list --json', '--version']);
    expect(existsSync(path.join(paths.limaHome, 'rd'))).toBe(false);
  });

  it('refuses Rosetta on a Mac without it, naming the install command', async () => {
    const mac = limaDriver({ platform: 'darwin', arch: 'arm64', rosettaInstalled: () => false });
    const err = await rejectionOf(mac.start({ engine: 'moby', rosetta: true }), DriverConfigError);
    expect((err as Error).message).toMatch(/Rosetta 2 is not installed.*softwareupdate --install-rosetta --agree-to-license/);
    expect(newCalls()).toEqual(['list --json']);
  });
});

describe('the fake limactl refuses what limactl refuses', () => {
  it.each([
    { args: ['start', '--bogus', 'rd'], message: 'unknown flag: --bogus' },
    { args: ['list', '--json', '-z'], message: "unknown shorthand flag: 'z' in -z" },
    { args: ['stop', 'rd'], message: 'instance "rd" does not exist, run `limactl create rd` to create a new instance' },
    { args: ['frobnicate'], message: 'unknown command "frobnicate" for "limactl"' },
    { args: ['start', '--timeout=soon', 'rd'], message: 'invalid argument "soon" for "--timeout" flag: time: invalid duration "soon"' },
  ])('limactl $args', async ({ args, message }) => {
    const run = await fake(...args);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`level=fatal msg=${JSON.stringify(message)}`);
  });

  it('prints nothing for list --json without instances of that name, and one object per line otherwise', async () => {
    expect((await fake('list', '--json', 'rd')).stdout).toBe('');
    const lines = (await fake('list', '--json')).stdout.split('\n');
    expect(lines.map((l) => JSON.parse(l).name)).toEqual(['other']);
  });

  it('refuses to edit a running instance and to stop a stopped one; start of a missing one makes a default VM', async () => {
    const start = await fake('start', '--tty=false', 'scratch');
    expect(start.stderr).toContain('from template://default');
    const edit = await fake('edit', '--tty=false', '--set', '.cpus = 2', 'scratch');
    expect(edit.exitCode).toBe(1);
    expect(edit.stderr).toContain('level=fatal msg="cannot edit a running instance"');
    expect((await fake('stop', 'scratch')).exitCode).toBe(0);
    const again = await fake('stop', 'scratch');
    expect(again.stderr).toContain('level=fatal msg="expected status \\"Running\\", got \\"Stopped\\""');
    expect((await fake('delete', 'scratch')).exitCode).toBe(0);
  });

  it('rejects an invalid template and warns about an unknown field, as pkg/limayaml does', async () => {
    const bad = path.join(home, 'bad.yaml');
    writeFileSync(bad, 'images: [{location: "x"}]\nvmType: kvm\n');
    const rejected = await fake('create', '--name', 'bad', '--tty=false', bad);
    expect(rejected.exitCode).toBe(1);
    expect(rejected.stderr).toMatch(/level=fatal msg=".*field `vmType` must be/);
    writeFileSync(bad, 'images: [{location: "x"}]\nportForward: []\nminimumLimaVersion: "9.0.0"\n');
    const tooNew = await fake('create', '--name', 'bad', '--tty=false', bad);
    expect(tooNew.stderr).toMatch(/level=warning msg="Non-strict YAML.*unknown field\(s\) portForward/);
    expect(tooNew.stderr).toMatch(/level=fatal msg=".*template requires Lima version 9\.0\.0; this is only 2\.2\.0"/);
    writeFileSync(bad, 'images: [{location: "x"}]\nparam: {ENGIN: moby}\nprovision: [{mode: system, script: "echo $PARAM_ENGINE"}]\n');
    const unused = await fake('create', '--name', 'bad', '--tty=false', bad);
    expect(unused.stderr).toMatch(/level=fatal msg=".*field `param` key \\"ENGIN\\" is not used in any provision/);
  });
});
