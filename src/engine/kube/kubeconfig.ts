import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** What a client needs from a kubeconfig's current context to reach its server. */
export interface ClusterAccess {
  server: string;
  ca?: Buffer;
  token?: string;
  cert?: Buffer;
  key?: Buffer;
  insecureSkipTlsVerify?: boolean;
}

type Entry = Record<string, unknown>;

function named(list: unknown, name: string, what: string, file: string): Entry {
  const found = Array.isArray(list) ? (list as Entry[]).find((e) => e?.name === name) : undefined;
  const value = found?.[what];
  if (!value || typeof value !== 'object') throw new Error(`kubeconfig ${file}: no ${what} named "${name}"`);
  return value as Entry;
}

/** Inline `<field>-data` (base64) or `<field>` (a file, relative to the kubeconfig). */
function material(entry: Entry, field: string, dir: string): Buffer | undefined {
  const data = entry[`${field}-data`];
  if (typeof data === 'string' && data) return Buffer.from(data, 'base64');
  const file = entry[field];
  if (typeof file === 'string' && file) return readFileSync(path.resolve(dir, file));
  return undefined;
}

/**
 * Reads the current context of a kubeconfig: server, CA, and a bearer token
 * or client certificate. rdd's own kubeconfig uses a token; the file forms
 * are read too so a hand-edited kubeconfig works. Loading client-node for
 * this would cost a CLI call ~0.7 s and the daemon ~70 MB (docs/performance.md).
 */
export function loadKubeconfig(file: string): ClusterAccess {
  let doc: Entry;
  try {
    doc = parse(readFileSync(file, 'utf8')) as Entry;
  } catch (err) {
    throw new Error(`cannot read kubeconfig ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (!doc || typeof doc !== 'object') throw new Error(`kubeconfig ${file} is empty`);
  const contextName = doc['current-context'];
  if (typeof contextName !== 'string' || !contextName) throw new Error(`kubeconfig ${file} has no current-context`);
  const context = named(doc.contexts, contextName, 'context', file);
  const cluster = named(doc.clusters, String(context.cluster ?? ''), 'cluster', file);
  const user = context.user ? named(doc.users, String(context.user), 'user', file) : {};
  if (typeof cluster.server !== 'string' || !cluster.server) throw new Error(`kubeconfig ${file}: cluster "${String(context.cluster)}" has no server`);
  const dir = path.dirname(file);
  const tokenFile = typeof user.tokenFile === 'string' ? user.tokenFile : undefined;
  const token = typeof user.token === 'string' ? user.token : tokenFile ? readFileSync(path.resolve(dir, tokenFile), 'utf8').trim() : undefined;
  return {
    server: cluster.server,
    ca: material(cluster, 'certificate-authority', dir),
    token,
    cert: material(user, 'client-certificate', dir),
    key: material(user, 'client-key', dir),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true ? true : undefined,
  };
}
