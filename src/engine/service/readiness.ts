import https from 'node:https';
import type { InstancePaths } from '../base/paths.js';
import { errorMessage } from '../base/errors.js';
import { apiUrl, readServiceConfig } from './config.js';
import { readTlsMaterial, readToken } from './credentials-files.js';

/** How long one probe waits for an answer by default. */
export const PROBE_TIMEOUT_MS = 2000;

export interface Readiness {
  ready: boolean;
  /** Why not, for progress lines: "connection refused", "HTTP 503: ...". */
  detail: string;
  url?: string;
  /** The daemon did not answer within the probe's timeout (hung, stopped), as opposed to refusing or failing. */
  timedOut?: boolean;
}

/**
 * One authenticated GET /readyz. Config and credentials are re-read each time
 * because the daemon may move to another port when its old one is taken.
 */
export async function probeReady(paths: InstancePaths, timeoutMs = PROBE_TIMEOUT_MS): Promise<Readiness> {
  const config = readServiceConfig(paths);
  const ca = readTlsMaterial(paths)?.caCert;
  const token = readToken(paths);
  if (!config || !ca || !token) return { ready: false, detail: 'service not created yet' };
  const url = apiUrl(config.port);
  return new Promise((resolve) => {
    let timedOut = false;
    const done = (answer: Readiness) => {
      clearTimeout(deadline);
      resolve(answer);
    };
    const req = https.get(`${url}/readyz`, { ca, headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const ready = res.statusCode === 200;
        done({ ready, url, detail: ready ? 'ready' : `HTTP ${res.statusCode}: ${body.trim().slice(0, 200)}` });
      });
      res.on('error', (err) => done({ ready: false, url, detail: errorMessage(err) }));
    });
    // A deadline for the whole exchange: a socket idle timeout restarts with each packet and,
    // through the TLS handshake, took twice its value to fire on a stopped daemon.
    const deadline = setTimeout(() => {
      timedOut = true;
      req.destroy(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (err) => done({ ready: false, url, detail: errorMessage(err), ...(timedOut && { timedOut }) }));
  });
}
