import type { Command } from 'commander';

// Scaffolding: replaced by the command's owner.
export function register(_program: Command): void {}
