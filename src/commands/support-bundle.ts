import type { Command } from 'commander';
import { globals } from './program/global.js';

export function register(program: Command): void {
  program
    .command('support-bundle')
    .description('write a tar.gz with logs, config, processes, API objects and engine state for a bug report (secrets redacted)')
    .option('-o, --output <file>', 'bundle path (default: rdd-support-<instance>-<UTC time>.tar.gz in the current directory)')
    .action(async (opts: { output?: string }, cmd: Command) => {
      const { paths } = globals(cmd);
      const { createProgress } = await import('./output/progress.js');
      const { writeSupportBundle } = await import('../engine/support/bundle.js');
      const progress = createProgress();
      progress.update(`collecting a support bundle for instance ${paths.instance}`);
      try {
        const { file, manifest } = await writeSupportBundle({ paths, output: opts.output, onProgress: (t) => progress.update(t) });
        const failed = manifest.collectors.filter((c) => c.error);
        for (const c of failed) progress.info(`${c.name}: ${c.error}`);
        progress.succeed(`support bundle written${failed.length > 0 ? ` (${failed.length} collector(s) failed, see manifest.json)` : ''}`);
        process.stdout.write(`${file}\n`);
      } catch (err) {
        progress.fail('support bundle failed');
        throw err;
      }
    });
}
