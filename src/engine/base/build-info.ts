import { readFileSync } from 'node:fs';
import { packageJsonPath } from './assets.js';

/** Which rdd this is: package.json's version and the commit it was built from. */
export interface BuildInfo {
  version: string;
  /** A short commit hash, `-dirty` when the tree had uncommitted changes; `unknown` when not built from a git checkout. */
  commit: string;
}

/**
 * Written into the bundle bin/rdd and the daemon run (`scripts/bundle.mjs`, an
 * esbuild `define`), so that the installed package says which commit it came
 * from without git. Absent when code runs from src/ (tests) or tsc's dist/.
 */
declare const RDD_BUILD: BuildInfo | undefined;

/** Whether this code runs from the bundle (`scripts/bundle.mjs`), not from src/ or tsc's output. */
export const isBundle = typeof RDD_BUILD !== 'undefined';

let unbundled: BuildInfo | undefined;

export function buildInfo(): BuildInfo {
  if (typeof RDD_BUILD !== 'undefined') return RDD_BUILD;
  unbundled ??= { version: (JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { version: string }).version, commit: 'unknown' };
  return unbundled;
}

/** `0.1.0 (commit 1a2b3c4d5e6f)`: how messages name a build. */
export function describeBuild(build: BuildInfo): string {
  return `${build.version} (commit ${build.commit})`;
}

export function sameBuild(a: BuildInfo, b: BuildInfo): boolean {
  return a.version === b.version && a.commit === b.commit;
}
