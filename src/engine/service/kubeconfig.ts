import { readFileSync } from 'node:fs';
import { buildKubeconfig } from './credentials.js';
import type { InstancePaths } from '../base/paths.js';
import { apiUrl } from './config.js';
import type { ServiceCredentials } from './credentials-files.js';
import { writePrivateFile } from './private-file.js';

/** Context, cluster and user name in the instance kubeconfig. */
export function kubeconfigName(instance: string): string {
  return `rancher-desktop-${instance}`;
}

/** (Re)writes the instance kubeconfig (0600) for `port`; leaves an identical file untouched. */
export function writeInstanceKubeconfig(
  paths: Pick<InstancePaths, 'kubeconfig' | 'instance'>,
  port: number,
  credentials: ServiceCredentials,
): void {
  const content = buildKubeconfig({
    server: apiUrl(port),
    caCert: credentials.tls.caCert,
    token: credentials.token,
    name: kubeconfigName(paths.instance),
  });
  let current: string | undefined;
  try {
    current = readFileSync(paths.kubeconfig, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== content) writePrivateFile(paths.kubeconfig, content);
}
