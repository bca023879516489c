// Types for offline-registry.mjs, which stays plain JS so BATS and humans can run it without a build.
export interface OfflineRegistry {
  /** 127.0.0.1:<port> */
  host: string;
  /** http://127.0.0.1:<port> */
  url: string;
  /** Temp dir holding config, storage, pidfile and log. */
  dir: string;
  pid: number;
}
export function startRegistry(options?: { detached?: boolean; tmpRoot?: string }): Promise<OfflineRegistry>;
export function stopRegistry(dir: string): Promise<void>;
export function pushBusybox(base: string, workDir: string): Promise<void>;
