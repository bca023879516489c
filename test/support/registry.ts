import { startRegistry as startOfflineRegistry, stopRegistry } from '../../scripts/offline-registry.mjs';

export interface TestRegistry {
  /** 127.0.0.1:<port>, for `registry-mirrors` or image references. */
  host: string;
  /** http://127.0.0.1:<port> */
  url: string;
  stop(): Promise<void>;
}

/**
 * A loopback docker-registry (Debian package) serving library/busybox:latest
 * built from busybox-static, in its own temp dir; stop() kills it by PID and
 * removes the dir. Point a dockerd at it with startDockerd({ registryMirror: host }).
 */
export async function startRegistry(): Promise<TestRegistry> {
  const reg = await startOfflineRegistry();
  return { host: reg.host, url: reg.url, stop: () => stopRegistry(reg.dir) };
}
