import { Option, type Command } from 'commander';
import { runningDaemon } from '../engine/service/pidfile.js';
import { globals } from './program/global.js';
import { timeoutOption } from './program/options.js';

export function register(program: Command): void {
  program
    .command('status')
    .description("show the App's conditions and how many containers, images and volumes are mirrored")
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addOption(timeoutOption('10s', 'how long to wait for the daemon to answer'))
    .action(async (opts: { output: 'text' | 'json'; timeout: string }, cmd: Command) => {
      const { paths } = globals(cmd);
      const { parseDurationMs } = await import('../engine/base/duration.js');
      const timeout = { ms: parseDurationMs(opts.timeout), text: opts.timeout };
      const { collectStatus, renderStatus, serviceDown } = await import('./app/status-report.js');
      if (!runningDaemon(paths)) {
        // Scripts reading -o json still get an object to parse; the exit code says "not running" as before.
        if (opts.output === 'json') process.stdout.write(JSON.stringify({ instance: paths.instance, service: 'stopped' }, null, 2) + '\n');
        throw serviceDown(paths);
      }
      const report = await collectStatus(paths, timeout);
      if (report.daemon !== undefined) {
        const { skewWarning } = await import('./program/version-skew.js');
        const warning = skewWarning(paths.instance, report.daemon);
        if (warning) process.stderr.write(`rdd: ${warning}\n`);
      }
      if (opts.output === 'json') {
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        return;
      }
      const { paletteFor } = await import('./output/colour.js');
      process.stdout.write(renderStatus(report, await paletteFor(process.stdout)));
    });
}
