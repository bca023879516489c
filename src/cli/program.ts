import { Command, CommanderError, Option } from 'commander';
import { ExitCode } from '../base/errors.js';
import { LOG_LEVELS } from '../base/log.js';
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


/** Parses argv and runs the command; commander's own usage errors become exit codes, anything else is thrown. */
export async function runProgram(argv: readonly string[], runDaemon: svc.RunDaemon): Promise<void> {
  version.register(program);
  svc.register(program, runDaemon);
  for (const command of [set, status, run, ctl, supportBundle]) command.register(program);
  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    // commander already printed its usage message; help and version are not errors.
    if (!(err instanceof CommanderError)) throw err;
    process.exitCode = err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  }
}
