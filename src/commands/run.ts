import type { Command } from 'commander';
import { UsageError } from '../engine/base/errors.js';
import { globals } from './program/global.js';
import { timeoutOption } from './program/options.js';

export function register(program: Command): void {
  program
    .command('run')
    .description("start the App if needed, then run CMD against this instance's engine (its Docker context, and DOCKER_HOST); use -- before CMD's own flags")
    .argument('<cmd>', 'the program to run, e.g. docker')
    .argument('[args...]', 'its arguments')
    .allowUnknownOption()
    .helpOption(false)
    .addOption(timeoutOption('5m', 'how long to wait for the engine'))
    .action(async (command: string, args: string[], opts: { timeout: string }, cmd: Command) => {
      // Help is off so that CMD's own -h/--help reach CMD; an option before CMD lands here.
      if (command === '--help' || command === '-h') cmd.help();
      if (command.startsWith('-')) {
        throw new UsageError(`unknown option ${command} before the command`, { suggestion: 'rdd run [--timeout DURATION] [--] CMD [ARGS...]' });
      }
      const { paths, log, requestedLog } = globals(cmd);
      const [{ runAgainstEngine }, { createProgress }, { parseDurationMs }] = await Promise.all([
        import('./app/run-command.js'),
        import('./output/progress.js'),
        import('../engine/base/duration.js'),
      ]);
      const exitCode = await runAgainstEngine({ paths, log, requestedLog, progress: createProgress() }, command, args, parseDurationMs(opts.timeout));
      process.exitCode = exitCode;
    });
}
