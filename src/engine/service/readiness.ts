import https from 'node:https';
import type { InstancePaths } from '../base/paths.js';
import { errorMessage } from '../base/errors.js';
import { apiUrl, readServiceConfig } from './config.js';
import { readTlsMaterial, readToken } from './credentials-files.js';

export interface Readiness {
  ready: boolean;
  /** Why not, for progress lines: "connection refused", "HTTP 503: ...". */
  detail: string;
  url?: string;
}

/**
 * One authenticated GET /readyz. Config and credentials are re-read each time
 * because the daemon may move to another port when its old one is taken.
 */
export async function probeReady(paths: InstancePaths, timeoutMs = 2000): Promise<Readiness> {
  const config = readServiceConfig(paths);
  const ca = readTlsMaterial(paths)?.caCert;
  const token = readToken(paths);
  if (!config || !ca || !token) return { ready: false, detail: 'service not created yet' };
  const url = apiUrl(config.port);
  return new Promise((resolve) => {
    const req = https.get(
      `${url}/readyz`,
      { ca, headers: { authorization: `Bearer ${token}` }, timeout: timeoutMs, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          const ready = res.statusCode === 200;
          resolve({ ready, url, detail: ready ? 'ready' : `HTTP ${res.statusCode}: ${body.trim().slice(0, 200)}` });
        });
        res.on('error', (err) => resolve({ ready: false, url, detail: errorMessage(err) }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ ready: false, url, detail: errorMessage(err) }));
  });
}
