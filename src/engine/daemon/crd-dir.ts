import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { crdDir } from '../base/assets.js';
import { isCrdFile } from '../kube/crd-files.js';
import type { Logger } from '../base/log.js';
import type { InstancePaths } from '../base/paths.js';

/** Test/dev hook: a directory of extra CRD manifests (YAML or JSON) the daemon serves beside the shipped ones. */
export const EXTRA_CRD_DIR_ENV = 'RDD_EXTRA_CRD_DIR';

/**
 * The CRD dir to hand the API server: the shipped one (`crdDir`), or, when
 * RDD_EXTRA_CRD_DIR is set (BATS uses it for a throwaway test CRD), a copy of
 * both in `<service dir>/crds`, rebuilt at every start.
 */
export function daemonCrdDir(paths: InstancePaths, log: Logger, env: NodeJS.ProcessEnv = process.env): string {
  const extra = env[EXTRA_CRD_DIR_ENV];
  if (!extra) return crdDir;
  const merged = path.join(paths.dir, 'crds');
  rmSync(merged, { recursive: true, force: true });
  mkdirSync(merged, { recursive: true });
  for (const [prefix, dir] of [['', crdDir], ['extra-', extra]] as const) {
    for (const name of readdirSync(dir).filter(isCrdFile)) copyFileSync(path.join(dir, name), path.join(merged, prefix + name));
  }
  log.info('serving extra CRDs', { from: extra });
  return merged;
}
