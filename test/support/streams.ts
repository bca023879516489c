/**
 * A WebSocket client for the API server's passthrough streams (the `ws`
 * package, as any Node client would use), and the stack they need: the
 * offline registry, a real dockerd with busybox, the API server with the
 * engine passthrough plugged in.
 */
import { execa } from 'execa';
import { WebSocket } from 'ws';
import { silentLogger } from '../../src/engine/base/log.js';
import { BEARER_SUBPROTOCOL } from '../../src/engine/kube/passthrough.js';
import { createEnginePassthrough } from '../../src/engine/passthrough/engine.js';
import { startTestApiServer, type TestApiServer } from './apiserver.js';
import { startDockerd, type TestDockerd } from './dockerd.js';

export interface StreamStack {
  api: TestApiServer;
  dockerd: TestDockerd;
  docker(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/**
 * `hostBusybox` builds busybox:latest from the host's busybox-static instead
 * of pulling it from the offline registry, for scripts compiled outside
 * vitest (which cannot load the registry's helper, nor find the CRDs: they
 * pass `crdDir`).
 */
export async function startStreamStack(opts: { hostBusybox?: boolean; crdDir?: string } = {}): Promise<StreamStack> {
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    let registryMirror: string | undefined;
    if (!opts.hostBusybox) {
      const { startRegistry } = await import('./registry.js');
      const registry = await startRegistry();
      cleanups.push(() => registry.stop());
      registryMirror = registry.host;
    }
    const dockerd = await startDockerd({ registryMirror });
    cleanups.push(() => dockerd.stop());
    const api = await startTestApiServer({ crdDir: opts.crdDir, passthrough: createEnginePassthrough({ socketPath: dockerd.socketPath, log: silentLogger }) });
    cleanups.push(() => api.stop());
    const docker = async (...args: string[]) => (await execa('docker', ['-H', `unix://${dockerd.socketPath}`, ...args])).stdout.trim();
    if (opts.hostBusybox) {
      await execa('sh', ['-c', `tar -C / -c bin/busybox | docker -H unix://${dockerd.socketPath} import - busybox:raw`]);
      await docker('run', '--name', 'busybox-applets', 'busybox:raw', '/bin/busybox', '--install', '-s', '/bin');
      await docker('commit', 'busybox-applets', 'busybox:latest');
      await docker('rm', 'busybox-applets');
    } else {
      await docker('pull', 'busybox');
    }
    return { api, dockerd, docker, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface ConnectOptions {
  /** Subprotocols to offer besides the token one. */
  protocols?: string[];
  /** How the token travels; default the Authorization header. */
  auth?: 'header' | 'subprotocol' | 'none';
}

/** What a finished stream delivered. */
export interface StreamResult {
  messages: { data: Buffer; binary: boolean }[];
  closeCode: number;
}

/** Opens a stream; resolves once open, or rejects with the HTTP status of a refused upgrade. */
export function openStream(api: TestApiServer, path: string, opts: ConnectOptions = {}): Promise<WebSocket> {
  const auth = opts.auth ?? 'header';
  const protocols = [...(opts.protocols ?? [])];
  if (auth === 'subprotocol') protocols.push(BEARER_SUBPROTOCOL + Buffer.from(api.token).toString('base64url'));
  const ws = new WebSocket(`${api.server.url.replace(/^https/, 'wss')}${path}`, protocols, {
    ca: api.tls.caCert,
    headers: auth === 'header' ? { Authorization: `Bearer ${api.token}` } : {},
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown })));
    });
    ws.once('error', reject);
  });
}

/** Collects every message until the server closes the stream. */
export function collect(ws: WebSocket): Promise<StreamResult> {
  const messages: StreamResult['messages'] = [];
  ws.on('message', (data: Buffer, binary) => messages.push({ data, binary }));
  return new Promise((resolve) => ws.once('close', (closeCode) => resolve({ messages, closeCode })));
}

/** The text of a stream's messages; with channels, only those of `channel`. */
export function textOf(result: StreamResult, channel?: number): string {
  return result.messages
    .filter((m) => channel === undefined || m.data[0] === channel)
    .map((m) => (channel === undefined ? m.data : m.data.subarray(1)).toString('utf8'))
    .join('');
}

/** A message on a kube stream channel. */
export const frame = (channel: number, data: string | Buffer = ''): Buffer => Buffer.concat([Buffer.from([channel]), Buffer.from(data)]);
