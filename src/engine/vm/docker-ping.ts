import http from 'node:http';

/**
 * Whether a Docker endpoint answers `GET /_ping` within `timeoutMs`.
 * Only unix:// and tcp:// are probed; other schemes (ssh://, npipe://) are
 * assumed to work, because replacing a context we cannot check would be worse.
 */
export function pingDockerHost(host: string, timeoutMs = 2000): Promise<boolean> {
  let target: http.RequestOptions;
  if (host.startsWith('unix://')) {
    target = { socketPath: host.slice('unix://'.length) };
  } else if (host.startsWith('tcp://')) {
    const url = new URL(host.replace(/^tcp:/, 'http:'));
    target = { host: url.hostname, port: url.port || 2375 };
  } else {
    return Promise.resolve(true);
  }
  return new Promise((resolve) => {
    const req = http.get({ ...target, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
  });
}

/** True when dockerd answers `GET /_ping` with 200 on its unix socket. */
export function pingDockerSocket(socketPath: string, timeoutMs = 2000): Promise<boolean> {
  return pingDockerHost(`unix://${socketPath}`, timeoutMs);
}
