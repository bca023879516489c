import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/engine/base/log.js';
import { instancePaths, type InstancePaths } from '../../../src/engine/base/paths.js';
import { bridgeName } from '../../../src/engine/vm/native/bridge.js';
import { NativeDriver } from '../../../src/engine/vm/native/native-driver.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';

/*
 * Instances on one host (docs/instances.md#instances-on-one-host), with real
 * dockerds and the host firewall: an engine start never removes another
 * instance's rules, and starts at the same moment all succeed.
 * RDD_FAULT_ROUNDS sets how many times the concurrent start is repeated (default 3).
 */

const ROUNDS = Number(process.env.RDD_FAULT_ROUNDS ?? 3);
/** The server every instance runs: answers "hi" on port 3000 to each connection. */
const SERVER = ['sh', '-c', 'while true; do echo hi | nc -l -p 3000; done'];

interface Instance {
  paths: InstancePaths;
  driver: NativeDriver;
  bridge: string;
  docker: (...args: string[]) => Promise<string>;
}

let home: string;
let registry: TestRegistry;
const instances: Instance[] = [];

/** A native instance of its own (paths, bridge, engine) in the shared HOME. */
function instance(name: string): Instance {
  const paths = instancePaths(name, { home, env: {} });
  mkdirSync(paths.shortDir, { recursive: true });
  writeFileSync(paths.daemonJson, JSON.stringify({ 'registry-mirrors': [registry.url] }));
  const driver = new NativeDriver({ paths, log: silentLogger }, { stopGraceMs: 15_000 });
  const docker = (...args: string[]) =>
    execa('docker', ['--host', `unix://${paths.dockerSocket}`, ...args], { env: { DOCKER_CONFIG: home }, timeout: 60_000 }).then((r) => r.stdout.trim());
  const made = { paths, driver, bridge: bridgeName(paths.shortDir), docker };
  instances.push(made);
  return made;
}

const iptablesSave = async () => (await execa('iptables-save')).stdout;

/** The rules dockerd makes for a bridge and a port it publishes that another engine's start used to remove. */
function expectRules(saved: string, { bridge }: Instance, hostPort: number): void {
  const lines = saved.split('\n');
  const has = (pattern: RegExp) => expect(lines.some((l) => pattern.test(l)), `${bridge}: ${pattern}`).toBe(true);
  has(new RegExp(`^-A DOCKER-ISOLATION-STAGE-1 -i ${bridge} ! -o ${bridge} -j DOCKER-ISOLATION-STAGE-2$`));
  has(new RegExp(`^-A DOCKER-ISOLATION-STAGE-2 -o ${bridge} -j DROP$`));
  has(new RegExp(`^-A DOCKER .*! -i ${bridge} .*--dport ${hostPort} -j DNAT `));
  has(new RegExp(`^-A DOCKER .*! -i ${bridge} -o ${bridge} .*--dport 3000 -j ACCEPT$`));
}

/** Runs the server in the instance, publishing `hostPort` on every host address; returns the container's address. */
async function serve(i: Instance, hostPort: number): Promise<string> {
  await i.docker('run', '-d', '--name', `web${hostPort}`, '-p', `${hostPort}:3000`, 'busybox', ...SERVER);
  return i.docker('inspect', '--format', '{{.NetworkSettings.IPAddress}}', `web${hostPort}`);
}

/** What a container of `from` reads from address:port ('' when it cannot connect within 3 s). */
async function readFrom(from: Instance, address: string, port: number): Promise<string> {
  const r = await execa('docker', ['--host', `unix://${from.paths.dockerSocket}`, 'run', '--rm', 'busybox', 'sh', '-c', `echo | nc -w 3 ${address} ${port}`], {
    env: { DOCKER_CONFIG: home },
    reject: false,
    timeout: 30_000,
  });
  return r.stdout.trim();
}

/** The first line a host client reads from 127.0.0.1:port. */
function readFromHost(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer on 127.0.0.1:${port} within 5s`)));
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if (!data.includes('\n')) return;
      socket.destroy();
      resolve(data.trim());
    });
    socket.on('error', reject);
  });
}

beforeAll(async () => {
  home = mkdtempSync('/tmp/rdd-instances.');
  registry = await startRegistry();
});

afterAll(async () => {
  for (const i of instances) {
    await i.driver.remove().catch(() => undefined);
    await i.driver.dispose();
  }
  await registry?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('fault: instances on one host', () => {
  it("starting instance B leaves instance A's published port and isolation intact", async () => {
    const a = instance('fia');
    const b = instance('fib');
    await a.driver.start({ engine: 'moby' });
    const web = await serve(a, 18181);
    expect(await readFromHost(18181)).toBe('hi');

    await b.driver.start({ engine: 'moby' });

    expect(await readFromHost(18181)).toBe('hi');
    expect(await readFrom(b, web, 3000)).toBe('');
    const saved = await iptablesSave();
    expectRules(saved, a, 18181);
    await Promise.all([a.driver.stop(), b.driver.stop()]);
  }, 240_000);

  it(`three instances started at once, ${ROUNDS} times: every start succeeds with all its rules and a working published port`, async () => {
    const trio = ['fic', 'fid', 'fie'].map(instance);
    for (let round = 1; round <= ROUNDS; round++) {
      const results = await Promise.allSettled(trio.map((i) => i.driver.start({ engine: 'moby' })));
      expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')), `round ${round}`).toEqual(['ok', 'ok', 'ok']);
      const ports = trio.map((_, n) => 18200 + n);
      await Promise.all(trio.map((i, n) => serve(i, ports[n])));
      const saved = await iptablesSave();
      trio.forEach((i, n) => expectRules(saved, i, ports[n]));
      for (const [n, port] of ports.entries()) expect(await readFromHost(port), `round ${round}, instance ${trio[n].paths.instance}`).toBe('hi');
      await Promise.all(trio.map(async (i, n) => {
        await i.docker('rm', '--force', `web${ports[n]}`);
        await i.driver.stop();
      }));
    }
  }, 180_000 * ROUNDS);
});
