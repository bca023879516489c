import { Command, CommanderError, Option } from 'commander';
import { errorMessage, ExitCode, RddError } from './engine/errors.js';
import { LOG_LEVELS } from './engine/log.js';
import * as ctl from './commands/ctl.js';
import * as run from './commands/run.js';
import * as set from './commands/set.js';
import * as status from './commands/status.js';
import * as supportBundle from './commands/support-bundle.js';
import * as svc from './commands/svc.js';
import * as version from './commands/version.js';

const program = new Command('rdd')
  .description('A local Docker engine, mirrored into a Kubernetes-style control plane')
  .addOption(new Option('--instance <name>', 'instance name (env RDD_INSTANCE, default "2")'))
  .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'))
  .addOption(new Option('--log-format <format>', 'log format').choices(['text', 'json']).default('text'))
  // docker and colima users type --version; it says what `rdd version` says. No -v: kubectl's -v (verbosity) must reach `rdd ctl`.
  .version(version.versionLine(), '--version', 'print the rdd version')
  .showSuggestionAfterError()
  // Usage errors read like every other rdd error: `rdd: <message>`.
  .configureOutput({ outputError: (text, write) => write(`rdd: ${text.replace(/^error: /, '')}`) })
  .exitOverride();

for (const command of [version, svc, set, status, run, ctl, supportBundle]) command.register(program);

function debugEnabled(): boolean {
  const argv = process.argv;
  return argv.includes('--log-level=debug') || argv.some((a, i) => a === '--log-level' && argv[i + 1] === 'debug');
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // commander already printed its message; help and version are not errors.
    process.exitCode = err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  } else if (err instanceof RddError) {
    process.stderr.write(`rdd: ${err.message}\n`);
    if (err.suggestion) process.stderr.write(`hint: ${err.suggestion}\n`);
    if (debugEnabled() && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`rdd: ${errorMessage(err)}\n`);
    if (debugEnabled() && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exitCode = ExitCode.Error;
  }
}
