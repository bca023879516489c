import http2 from 'node:http2';
import net from 'node:net';
import { pingDockerSocket } from './docker-ping.js';
import type { EngineName } from './driver.js';

/**
 * True when containerd answers a gRPC Version call on its socket: a real
 * answer from the service, not just an accepting socket. The request body is
 * an empty protobuf message in gRPC framing (flag byte + 4-byte length 0).
 */
export function pingContainerd(socketPath: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.destroy();
      resolve(ok);
    };
    const session = http2.connect('http://localhost', { createConnection: () => net.connect(socketPath) });
    const timer = setTimeout(() => done(false), timeoutMs);
    session.on('error', () => done(false));
    const req = session.request({
      ':method': 'POST',
      ':path': '/containerd.services.version.v1.Version/Version',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    let headerStatus: string | undefined;
    req.on('response', (headers) => {
      headerStatus = headers['grpc-status'] as string | undefined;
      if (headers[':status'] !== 200) done(false);
    });
    req.on('trailers', (trailers) => done((trailers['grpc-status'] ?? headerStatus) === '0'));
    req.on('end', () => done(headerStatus === '0'));
    req.on('error', () => done(false));
    req.resume();
    req.end(Buffer.alloc(5));
  });
}

export function pingEngine(engine: EngineName, socketPath: string, timeoutMs?: number): Promise<boolean> {
  return engine === 'moby' ? pingDockerSocket(socketPath, timeoutMs) : pingContainerd(socketPath, timeoutMs);
}
