import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { silentLogger } from '../../../src/base/log.js';
import { instancePaths, type InstancePaths } from '../../../src/base/paths.js';
import { DriverError, type DriverState } from '../../../src/vm/driver.js';
import { LimaDriver } from '../../../src/vm/lima/lima-driver.js';

const fakeLimactl = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fake-limactl');

let home: string;
let paths: InstancePaths;
let driver: LimaDriver;
let forwardedSocket: http.Server;

/** The argv lines the fake limactl recorded since the last call. */
let seen = 0;
function newCalls(): string[] {
  const lines = readFileSync(path.join(paths.limaHome, 'argv.log'), 'utf8').trim().split('\n');
  const fresh = lines.slice(seen);
  seen = lines.length;
  return fresh;
}

function limaDriver(monitorIntervalMs: number): LimaDriver {
  return new LimaDriver(
    { paths, log: silentLogger },
    { limactl: fakeLimactl, platform: 'linux', arch: 'x64', readyTimeoutMs: 5000, monitorIntervalMs },
  );
}

beforeAll(async () => {
  home = mkdtempSync('/tmp/rdd.');
  paths = instancePaths('lima', { home, env: {} });
  driver = limaDriver(60_000);
  // Stands in for Lima's forward of the guest docker.sock: answers /_ping on the instance socket.
  mkdirSync(paths.shortDir, { recursive: true });
  forwardedSocket = http.createServer((req, res) => res.end(req.url === '/_ping' ? 'OK' : ''));
  await new Promise<void>((resolve) => forwardedSocket.listen(paths.dockerSocket, resolve));
});

afterAll(async () => {
  await driver.dispose();
  await new Promise((resolve) => forwardedSocket.close(resolve));
  rmSync(home, { recursive: true, force: true });
});

describe('lima driver against a fake limactl', () => {
  it('creates and starts the VM from the rendered template under the instance LIMA_HOME', async () => {
    writeFileSync(paths.daemonJson, '{"debug":true}');
    await driver.start({ engine: 'moby', cpus: 2, memory: 4 });

    expect(newCalls()).toEqual(['list --json', `create --name rd --tty=false ${driver.templateFile}`, 'start --tty=false rd']);
    expect(new Set(readFileSync(path.join(paths.limaHome, 'lima-home.log'), 'utf8').trim().split('\n'))).toEqual(new Set([paths.limaHome]));
    const yaml = parse(readFileSync(path.join(paths.limaHome, 'rd', 'lima.yaml'), 'utf8'));
    expect(yaml).toMatchObject({ vmType: 'qemu', cpus: 2, memory: '4GiB', param: { ENGINE: 'moby' } });
    expect(yaml.portForwards).toEqual([{ guestSocket: '/var/run/docker.sock', hostSocket: paths.dockerSocket }]);
    expect(yaml.provision[0]).toMatchObject({ mode: 'data', path: '/etc/docker/daemon.json' });
    expect(await driver.state()).toEqual({ phase: 'running', engine: 'moby' });
    expect(readFileSync(path.join(paths.logDir, 'limactl.log'), 'utf8')).toMatch(/limactl start --tty=false rd \(exit 0\)\n.*READY\. Run/);
    newCalls();
  });

  it('start on a running VM with the same settings only lists', async () => {
    await driver.start({ engine: 'moby', cpus: 2, memory: 4 });
    expect(newCalls()).toEqual(['list --json']);
  });

  it('changing cpus stops, edits and restarts the VM', async () => {
    await driver.start({ engine: 'moby', cpus: 3, memory: 4 });
    expect(newCalls()).toEqual(['list --json', 'stop rd', "edit --tty=false --set .cpus\\ =\\ 3 rd", 'start --tty=false rd']);
  });

  it('reports a VM stopped behind its back through onStateChange', async () => {
    const watcher = limaDriver(50);
    await watcher.start({ engine: 'moby', cpus: 3, memory: 4 });
    const states: DriverState[] = [];
    watcher.onStateChange((s) => states.push(s));
    writeFileSync(path.join(paths.limaHome, 'rd', 'status'), 'Stopped\n');
    await vi.waitFor(() => expect(states).toEqual([{ phase: 'stopped' }]), { timeout: 5000, interval: 20 });
    await watcher.dispose();
    writeFileSync(path.join(paths.limaHome, 'rd', 'status'), 'Running\n');
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
    await driver.stop();
    writeFileSync(path.join(paths.limaHome, 'fail-start'), 'failed to start the host agent: vz: not supported');
    const err = await driver.start({ engine: 'moby', cpus: 3, memory: 4 }).catch((e: unknown) => e);
    rmSync(path.join(paths.limaHome, 'fail-start'));
    expect(err).toBeInstanceOf(DriverError);
    expect((err as Error).message).toBe(
      `limactl start failed: failed to start the host agent: vz: not supported (full output in ${path.join(paths.logDir, 'limactl.log')})`,
    );
    expect(readFileSync(path.join(paths.logDir, 'limactl.log'), 'utf8')).toMatch(/limactl start --tty=false rd \(exit 1\)\n.*level=info.*\n.*level=fatal/);
    newCalls();
  });

  it('reports broken list output as a DriverError', async () => {
    writeFileSync(path.join(paths.limaHome, 'list-output'), '{"name":"rd","status":\n');
    await expect(driver.state()).rejects.toThrow(/cannot parse `limactl list --json` output \(line 1\)/);
    rmSync(path.join(paths.limaHome, 'list-output'));
    newCalls();
  });

  it('removes the VM with delete --force', async () => {
    await driver.remove();
    expect(newCalls()).toEqual(['list --json', 'delete --force rd']);
    expect(existsSync(path.join(paths.limaHome, 'rd'))).toBe(false);
    expect(await driver.state()).toEqual({ phase: 'absent' });
    await driver.remove();
    expect(newCalls()).toEqual(['list --json', 'list --json']);
  });
});
