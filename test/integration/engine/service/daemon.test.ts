import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startDaemon, type Daemon } from '../../../../src/engine/daemon/serve.js';
import { KubeClient } from '../../../../src/engine/kube/client.js';
import { NAMESPACE } from '../../../../src/engine/kube/resources.js';
import { silentLogger } from '../../../../src/engine/base/log.js';
import { instancePaths, type InstancePaths } from '../../../../src/engine/base/paths.js';
import { readServiceConfig } from '../../../../src/engine/service/config.js';
import { createService } from '../../../../src/engine/service/create.js';
import { isServiceRunning } from '../../../../src/engine/service/lifecycle.js';
import { DaemonRunningError, readPidRecord } from '../../../../src/engine/service/pidfile.js';
import { probeReady } from '../../../../src/engine/service/readiness.js';
import { serviceStatus } from '../../../../src/engine/service/status.js';

// The daemon runs in this process (the pidfile names the test runner), against a temp HOME.
let home: string;
let paths: InstancePaths;

beforeAll(() => {
  home = mkdtempSync('/tmp/rdd.');
  paths = instancePaths('itest', { env: {}, platform: process.platform, home });
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

function mode(file: string): number {
  return statSync(file).mode & 0o777;
}

describe('svc create', () => {
  it('writes private TLS material, token, port and a kubeconfig named after the instance', async () => {
    const first = await createService(paths, silentLogger);
    expect(first.created).toBe(true);
    for (const f of ['ca.crt', 'server.crt', 'server.key', 'token']) expect(mode(path.join(paths.tlsDir, f))).toBe(0o600);
    expect(mode(paths.kubeconfig)).toBe(0o600);
    const kubeconfig = parse(readFileSync(paths.kubeconfig, 'utf8')) as { 'current-context': string; clusters: { cluster: { server: string } }[] };
    expect(kubeconfig['current-context']).toBe('rancher-desktop-itest');
    expect(kubeconfig.clusters[0].cluster.server).toBe(`https://127.0.0.1:${first.port}`);
  });

  it('is idempotent: a second create keeps the existing material', async () => {
    const before = readFileSync(paths.kubeconfig, 'utf8');
    const again = await createService(paths, silentLogger);
    expect(again.created).toBe(false);
    expect(readFileSync(paths.kubeconfig, 'utf8')).toBe(before);
  });
});

describe('the daemon', () => {
  let daemon: Daemon;
  let squatter: Server;
  let recorded: number;

  beforeAll(async () => {
    // Something else took the recorded port meanwhile: the daemon must move.
    recorded = readServiceConfig(paths)!.port;
    squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(recorded, '127.0.0.1', resolve));
    daemon = await startDaemon(paths, silentLogger);
  });
  afterAll(async () => {
    await daemon?.stop();
    await new Promise((resolve) => squatter.close(resolve));
  });

  it('moves to a free port when its recorded one is taken, and records it', () => {
    expect(daemon.port).not.toBe(recorded);
    expect(readServiceConfig(paths)?.port).toBe(daemon.port);
    expect(readFileSync(paths.kubeconfig, 'utf8')).toContain(`https://127.0.0.1:${daemon.port}`);
  });

  it('answers /readyz with the token, and the kubeconfig works', async () => {
    await expect(probeReady(paths)).resolves.toMatchObject({ ready: true, url: daemon.url });
    const client = KubeClient.fromFile(paths.kubeconfig);
    const list = await client.list(NAMESPACE);
    expect(Array.isArray(list.items)).toBe(true);
  });

  it('holds the pidfile lock: a second daemon for the instance is refused', async () => {
    expect(readPidRecord(paths.pidFile)?.pid).toBe(process.pid);
    await expect(isServiceRunning(paths)).resolves.toBe(true);
    await expect(startDaemon(paths, silentLogger)).rejects.toThrow(DaemonRunningError);
  });

  it('reports its status', async () => {
    const status = await serviceStatus(paths);
    expect(status).toMatchObject({ instance: 'itest', running: true, ready: true, pid: process.pid, url: daemon.url });
    expect(status.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  it('stops: API closed, pidfile gone', async () => {
    await daemon.stop();
    await expect(isServiceRunning(paths)).resolves.toBe(false);
    expect(readPidRecord(paths.pidFile)).toBeUndefined();
    await expect(probeReady(paths)).resolves.toMatchObject({ ready: false });
    expect((await serviceStatus(paths)).running).toBe(false);
  });
});
