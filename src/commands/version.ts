import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { packageJsonPath } from '../engine/base/assets.js';

export function rddVersion(): string {
  return (JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { version: string }).version;
}

export function versionLine(): string {
  return `rdd ${rddVersion()} (node ${process.version})`;
}

/** `rdd version` or `rdd --version` and nothing else: what src/launch.ts answers without commander. */
export function asksForVersion(argv: readonly string[]): boolean {
  return argv.length === 1 && (argv[0] === 'version' || argv[0] === '--version');
}

export function register(program: Command): void {
  program
    .command('version')
    .description('print the rdd version')
    .action(() => {
      process.stdout.write(`${versionLine()}\n`);
    });
}
