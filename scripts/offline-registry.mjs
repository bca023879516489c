#!/usr/bin/env node
/* global fetch, setTimeout, Buffer, URL */
// A loopback Docker registry serving library/busybox:latest, built from Debian's
// busybox-static, so `docker pull busybox` works with no internet (docs/testing.md).
// The image is pushed through the registry v2 API directly: no dockerd needed.
//
//   node scripts/offline-registry.mjs start   → prints `export RDD_TEST_REGISTRY=...` lines (eval them)
//   node scripts/offline-registry.mjs stop [DIR]  (DIR defaults to $RDD_TEST_REGISTRY_DIR)
//
// Also imported by test/support/registry.ts (vitest).
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';

const REGISTRY_BIN = '/usr/bin/docker-registry';
const BUSYBOX_BIN = '/bin/busybox';
const REPOSITORY = 'library/busybox';
const TAG = 'latest';
const MANIFEST_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';

const sha256 = (buf) => `sha256:${createHash('sha256').update(buf).digest('hex')}`;

function goArch() {
  return { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' }[process.arch] ?? process.arch;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function pollUntil(what, timeoutMs, probe) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: last });
}

/** A one-layer image: /bin/busybox plus a symlink per applet, so `sh`, `sleep`, `echo`... work. */
async function buildBusyboxLayer(workDir) {
  const root = path.join(workDir, 'rootfs');
  await mkdir(path.join(root, 'bin'), { recursive: true });
  for (const dir of ['tmp', 'etc', 'root', 'proc', 'sys', 'dev', 'var']) await mkdir(path.join(root, dir));
  await copyFile(BUSYBOX_BIN, path.join(root, 'bin', 'busybox'));
  const applets = execFileSync(BUSYBOX_BIN, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const applet of applets) {
    if (applet !== 'busybox') await symlink('busybox', path.join(root, 'bin', applet));
  }
  const tarPath = path.join(workDir, 'layer.tar');
  await tar.c({ cwd: root, file: tarPath, portable: true }, ['bin', 'tmp', 'etc', 'root', 'proc', 'sys', 'dev', 'var']);
  const raw = await readFile(tarPath);
  await rm(root, { recursive: true, force: true });
  return { diffId: sha256(raw), gz: gzipSync(raw) };
}

async function pushBlob(base, body) {
  const digest = sha256(body);
  const head = await fetch(`${base}/v2/${REPOSITORY}/blobs/${digest}`, { method: 'HEAD' });
  if (head.ok) return digest;
  const start = await fetch(`${base}/v2/${REPOSITORY}/blobs/uploads/`, { method: 'POST' });
  if (start.status !== 202) throw new Error(`registry refused a blob upload: HTTP ${start.status} ${await start.text()}`);
  const location = new URL(start.headers.get('location'), base);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(body.length) },
    body,
  });
  if (put.status !== 201) throw new Error(`registry refused blob ${digest}: HTTP ${put.status} ${await put.text()}`);
  return digest;
}

/** Pushes library/busybox:latest (schema2 manifest, one gzip layer) to the registry at base. */
export async function pushBusybox(base, workDir) {
  const layer = await buildBusyboxLayer(workDir);
  const config = Buffer.from(
    JSON.stringify({
      architecture: goArch(),
      os: 'linux',
      created: new Date(0).toISOString(),
      config: { Cmd: ['sh'], Env: ['PATH=/bin'] },
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      history: [{ created: new Date(0).toISOString(), created_by: 'rdd offline-registry: busybox-static' }],
    }),
  );
  const configDigest = await pushBlob(base, config);
  const layerDigest = await pushBlob(base, layer.gz);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: MANIFEST_TYPE,
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: configDigest },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.gz.length, digest: layerDigest }],
  });
  const res = await fetch(`${base}/v2/${REPOSITORY}/manifests/${TAG}`, {
    method: 'PUT',
    headers: { 'content-type': MANIFEST_TYPE },
    body: manifest,
  });
  if (res.status !== 201) throw new Error(`registry refused the busybox manifest: HTTP ${res.status} ${await res.text()}`);
}

function registryConfig(storageDir, port) {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storageDir}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '',
  ].join('\n');
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops the registry whose PID is recorded in dir, then removes dir. Safe to call twice. */
export async function stopRegistry(dir) {
  const pid = Number((await readFile(path.join(dir, 'registry.pid'), 'utf8').catch(() => '')).trim());
  if (pid > 0 && isAlive(pid)) {
    process.kill(pid, 'SIGTERM');
    await pollUntil(`registry pid ${pid} to exit`, 5000, () => !isAlive(pid)).catch(() => {
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    });
  }
  await rm(dir, { recursive: true, force: true });
}

/**
 * Starts docker-registry on 127.0.0.1:<free port> with its config and storage in
 * a fresh temp dir, pushes busybox, and returns { host, url, dir, pid }.
 * detached: the registry outlives this process (for the CLI / BATS).
 */
export async function startRegistry({ detached = false, tmpRoot = '/tmp' } = {}) {
  const dir = await mkdtemp(path.join(tmpRoot, 'rdd-reg.'));
  try {
    const storage = path.join(dir, 'storage');
    await mkdir(storage);
    // A port taken between probe and bind makes the registry exit: retry on a new one.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const configPath = path.join(dir, 'config.yml');
      await writeFile(configPath, registryConfig(storage, port));
      const logFd = openSync(path.join(dir, 'registry.log'), 'a');
      const child = spawn(REGISTRY_BIN, ['serve', configPath], { detached, stdio: ['ignore', logFd, logFd] });
      closeSync(logFd);
      let exited = false;
      child.once('exit', () => (exited = true));
      child.once('error', () => (exited = true));
      if (!child.pid) throw new Error(`could not start ${REGISTRY_BIN} (is the docker-registry package installed?)`);
      await writeFile(path.join(dir, 'registry.pid'), `${child.pid}\n`);
      if (detached) child.unref();
      const url = `http://127.0.0.1:${port}`;
      try {
        await pollUntil(`registry at ${url}`, 10_000, async () => {
          if (exited) throw new Error('registry exited', { cause: await readFile(path.join(dir, 'registry.log'), 'utf8') });
          return (await fetch(`${url}/v2/`)).ok;
        });
      } catch (err) {
        if (!exited && child.pid) process.kill(child.pid, 'SIGKILL');
        if (attempt < 3) continue;
        throw err;
      }
      await pushBusybox(url, dir);
      return { host: `127.0.0.1:${port}`, url, dir, pid: child.pid };
    }
  } catch (err) {
    await stopRegistry(dir);
    throw new Error('starting the offline busybox registry failed', { cause: err });
  }
}

async function main(argv) {
  const [command, dirArg] = argv;
  if (command === 'start') {
    const reg = await startRegistry({ detached: true });
    process.stdout.write(`export RDD_TEST_REGISTRY=${reg.host}\nexport RDD_TEST_REGISTRY_DIR=${reg.dir}\n`);
  } else if (command === 'stop') {
    const dir = dirArg ?? process.env.RDD_TEST_REGISTRY_DIR;
    if (!dir) throw new Error('stop: give the registry dir or set RDD_TEST_REGISTRY_DIR');
    await stopRegistry(dir);
  } else {
    process.stderr.write('usage: offline-registry.mjs start | stop [DIR]\n');
    process.exitCode = 2;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`offline-registry: ${err.message}${err.cause ? `: ${err.cause.message ?? err.cause}` : ''}\n`);
    process.exitCode = 1;
  });
}
