import { Command, CommanderError, Option } from 'commander';
import { ExitCode } from '../../engine/base/errors.js';
import { GLOBAL_OPTIONS } from './global-options.js';
import * as completion from '../completion.js';
import * as ctl from '../ctl.js';
import * as run from '../run.js';
import * as set from '../set.js';
import * as status from '../status.js';
import * as supportBundle from '../support-bundle.js';
import * as svc from '../svc.js';
import * as version from '../version.js';

/** The whole command tree; parsing, help and shell completion all read this one. */
export function buildProgram(runDaemon: svc.RunDaemon): Command {
  const program = new Command('rdd')
    .description('A local Docker engine, mirrored into a Kubernetes-style control plane')
    // docker and colima users type --version; it says what `rdd version` says. No -v: kubectl's -v (verbosity) must reach `rdd ctl`.
    .version(version.versionLine(), '--version', 'print the rdd version')
    .showSuggestionAfterError()
    // Usage errors read like every other rdd error: `rdd: <message>`.
    .configureOutput({ outputError: (text, write) => write(`rdd: ${text.replace(/^error: /, '')}`) })
    .exitOverride();
  // No commander defaults: an option left out falls back to its env var, then to the service config.
  for (const o of GLOBAL_OPTIONS) {
    const option = new Option(`${o.flag} <${o.value}>`, o.description);
    program.addOption(o.choices ? option.choices(o.choices) : option);
  }
  version.register(program);
  svc.register(program, runDaemon);
  for (const command of [set, status, run, ctl, supportBundle, completion]) command.register(program);
  return program;
}

/** Parses argv and runs the command; commander's own usage errors become exit codes, anything else is thrown. */
export async function runProgram(argv: readonly string[], runDaemon: svc.RunDaemon): Promise<void> {
  try {
    await buildProgram(runDaemon).parseAsync([...argv]);
  } catch (err) {
    // commander already printed its usage message; help and version are not errors.
    if (!(err instanceof CommanderError)) throw err;
    process.exitCode = err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  }
}
