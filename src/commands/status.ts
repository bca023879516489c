import { Option, type Command } from 'commander';
import { globals } from './global.js';

export function register(program: Command): void {
  program
    .command('status')
    .description("show the App's conditions and how many containers, images and volumes are mirrored")
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (opts: { output: 'text' | 'json' }, cmd: Command) => {
      const { paths } = globals(cmd);
      const { collectStatus, renderStatus } = await import('../engine/app/status-report.js');
      const report = await collectStatus(paths);
      process.stdout.write(opts.output === 'json' ? JSON.stringify(report, null, 2) + '\n' : renderStatus(report));
    });
}
