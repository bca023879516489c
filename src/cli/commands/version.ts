import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { packageJsonPath } from '../../base/assets.js';

export function rddVersion(): string {
  return (JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { version: string }).version;
}

export function versionLine(): string {
  return `rdd ${rddVersion()} (node ${process.version})`;
}

export function register(program: Command): void {
  program
    .command('version')
    .description('print the rdd version')
    .action(() => {
      process.stdout.write(`${versionLine()}\n`);
    });
}
