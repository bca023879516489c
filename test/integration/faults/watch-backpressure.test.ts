import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../src/engine/base/log.js';
import { instancePaths, type InstancePaths } from '../../../src/engine/base/paths.js';
import { KubeClient } from '../../../src/engine/kube/client.js';
import { apiUrl, readServiceConfig } from '../../../src/engine/service/config.js';
import { readTlsMaterial, readToken } from '../../../src/engine/service/credentials-files.js';
import { startService } from '../../../src/engine/service/lifecycle.js';
import { daemonLogFile } from '../../../src/engine/service/log-file.js';
import { stopService } from '../../../src/engine/service/stop.js';
import { rawWatch, type RawWatch } from '../../support/apiserver.js';
import { useHome } from '../../support/env.js';
import { CONFIGMAP } from '../engine/apiserver/fixtures.js';

/**
 * The real daemon process (`rdd svc start` spawns dist/bundle/main.js: run `npm run build` first),
 * with watchers that never read: past the buffer cap each is cut off at once and the memory its
 * backlog held is given back; a watch without timeoutSeconds ends by itself.
 */
const WATCHERS = 5;
/** Each event is ~900 KB: 100 of them are past the 64 MiB cap of every watcher. */
const VALUE = 'x'.repeat(900 * 1024);
const EVENTS = 100;
const MIN_LIFETIME_SECONDS = 3;
const MB = 1024 * 1024;

let home: string;
let paths: InstancePaths;
let client: KubeClient;
let pid: number;
let restoreEnv: (() => void) | undefined;
const savedLifetime = process.env.RDD_WATCH_MIN_LIFETIME_SECONDS;

function rssBytes(): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB$/m);
  if (!line) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(line[1]) * 1024;
}

/** A raw watch on the daemon's ConfigMaps; `read: false` pauses it at once, so the daemon's send queue grows. */
function openWatch(query: string, read: boolean): Promise<RawWatch> {
  const daemon = { server: { url: apiUrl(readServiceConfig(paths)!.port) }, tls: readTlsMaterial(paths)!, token: readToken(paths)! };
  return rawWatch(daemon, `/api/v1/namespaces/default/configmaps?watch=true${query}`, { read });
}

const cutOffLines = () => readFileSync(daemonLogFile(paths), 'utf8').split('\n').filter((l) => l.includes('fell behind past the buffer cap'));

describe('fault: watchers that do not read (the real daemon process)', () => {
  beforeAll(async () => {
    home = mkdtempSync('/tmp/rdd-watch-backpressure.');
    restoreEnv = useHome(home, path.join(home, 'data'));
    process.env.RDD_WATCH_MIN_LIFETIME_SECONDS = String(MIN_LIFETIME_SECONDS);
    paths = instancePaths('watchbp', { platform: 'linux' });
    pid = (await startService(paths, silentLogger, { timeoutMs: 60_000 })).pid;
    client = KubeClient.fromFile(paths.kubeconfig);
  });
  afterAll(async () => {
    client?.close();
    if (paths) await stopService(paths, silentLogger, { timeoutMs: 30_000 });
    restoreEnv?.();
    if (savedLifetime === undefined) delete process.env.RDD_WATCH_MIN_LIFETIME_SECONDS;
    else process.env.RDD_WATCH_MIN_LIFETIME_SECONDS = savedLifetime;
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('a watch without timeoutSeconds ends after the server-chosen lifetime, between min and 2·min', async () => {
    const started = Date.now();
    const { ended } = await openWatch('', true);
    await ended;
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeGreaterThanOrEqual(MIN_LIFETIME_SECONDS - 0.5);
    expect(seconds).toBeLessThan(2 * MIN_LIFETIME_SECONDS + 2);
  }, 30_000);

  it(`${WATCHERS} watchers pushed past the cap are cut off, and the daemon's RSS is back near idle within 10 s`, async () => {
    const idle = rssBytes();
    // The lifetime is long enough for the pushing: only the cap can end these watches.
    const watches = await Promise.all(Array.from({ length: WATCHERS }, () => openWatch('&timeoutSeconds=600', false)));
    let peak = idle;
    for (let i = 0; i < EVENTS && cutOffLines().length < WATCHERS; i++) {
      await client.create(CONFIGMAP, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `big-${i}`, namespace: 'default' }, data: { v: VALUE } });
      // Each event replaces the last: the store keeps one object, the watchers' queues hold them all.
      await client.delete(CONFIGMAP, `big-${i}`, { namespace: 'default' });
      peak = Math.max(peak, rssBytes());
    }
    const cutAt = Date.now();
    await vi.waitFor(() => expect(cutOffLines()).toHaveLength(WATCHERS), { timeout: 10_000, interval: 100 });
    await vi.waitFor(() => expect(rssBytes()).toBeLessThan(idle + 50 * MB), { timeout: 10_000, interval: 250 });
    const backAfterMs = Date.now() - cutAt;
    console.info(`watch backpressure: idle RSS ${Math.round(idle / MB)} MB, peak ${Math.round(peak / MB)} MB, back under idle + 50 MB ${backAfterMs} ms after the last write`);
    expect(peak).toBeGreaterThan(idle + 50 * MB);
    for (const w of watches) w.res.destroy();
    // The daemon still serves.
    expect((await client.list(CONFIGMAP, { namespace: 'default' })).items).toBeDefined();
  }, 180_000);
});
