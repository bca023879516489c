import type { Command } from 'commander';
import { buildInfo } from '../engine/base/build-info.js';

/** `rdd 0.1.0 (commit 1a2b3c4d5e6f, node v20.19.0)`: the commit is embedded by the build (`scripts/bundle.mjs`). */
export function versionLine(): string {
  const { version, commit } = buildInfo();
  return `rdd ${version} (commit ${commit}, node ${process.version})`;
}

/** `rdd version` or `rdd --version` and nothing else: what src/launch.ts answers without commander. */
export function asksForVersion(argv: readonly string[]): boolean {
  return argv.length === 1 && (argv[0] === 'version' || argv[0] === '--version');
}

export function register(program: Command): void {
  program
    .command('version')
    .description('print the rdd version, the commit it was built from, and the Node version')
    .action(() => {
      process.stdout.write(`${versionLine()}\n`);
    });
}
