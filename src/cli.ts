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

/** A global option's value straight from argv: needed when parsing itself failed. */
function argvOption(name: string): string | undefined {
  const argv = process.argv;
  const inline = argv.find((a) => a.startsWith(`${name}=`));
  if (inline) return inline.slice(name.length + 1);
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** One line (or one JSON object with --log-format=json) on stderr; the stack only at debug level. */
function report(err: unknown): ExitCode {
  const exitCode = err instanceof RddError ? err.exitCode : ExitCode.Error;
  const hint = err instanceof RddError ? err.suggestion : undefined;
  const stack = argvOption('--log-level') === 'debug' && err instanceof Error ? err.stack : undefined;
  if (argvOption('--log-format') === 'json') {
    const line = { time: new Date().toISOString(), level: 'error', msg: errorMessage(err), hint, exitCode, stack };
    process.stderr.write(`${JSON.stringify(line)}\n`);
  } else {
    process.stderr.write(`rdd: ${errorMessage(err)}\n`);
    if (hint) process.stderr.write(`hint: ${hint}\n`);
    if (stack) process.stderr.write(`${stack}\n`);
  }
  return exitCode;
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // commander already printed its usage message; help and version are not errors.
  if (err instanceof CommanderError) process.exitCode = err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  else process.exitCode = report(err);
}
