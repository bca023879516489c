import type { ChalkInstance } from 'chalk';
import { errorMessage, ExitCode, RddError } from '../../engine/base/errors.js';
import { paletteFor } from '../output/colour.js';

/** A global option's value straight from argv: needed when parsing itself failed, or never ran. */
export function optionValue(argv: readonly string[], name: string): string | undefined {
  const end = argv.includes('--') ? argv.indexOf('--') : argv.length;
  const args = argv.slice(0, end);
  const inline = args.find((a) => a.startsWith(`${name}=`));
  if (inline) return inline.slice(name.length + 1);
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The flag, else its env var: the error may be that the env var is invalid, so it is read as plain text here. */
function setting(argv: readonly string[], flag: string, envName: string, env: NodeJS.ProcessEnv): string | undefined {
  return optionValue(argv, flag) ?? env[envName]?.toLowerCase();
}

/** The text lines of an error report; `paint` colours the `rdd:` and `hint:` labels on a terminal. */
export function errorLines(err: unknown, options: { stack: boolean; paint?: ChalkInstance }): string[] {
  const { paint } = options;
  const hint = err instanceof RddError ? err.suggestion : undefined;
  const lines = [`${paint ? paint.red.bold('rdd:') : 'rdd:'} ${errorMessage(err)}`];
  if (hint) lines.push(`${paint ? paint.yellow('hint:') : 'hint:'} ${hint}`);
  if (options.stack && err instanceof Error && err.stack) lines.push(err.stack);
  return lines;
}

/**
 * The CLI's last word on a failure: one line (or one JSON object with
 * --log-format=json) on stderr, the stack only at debug level. Returns the exit code.
 */
export async function reportError(err: unknown, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<ExitCode> {
  const exitCode = err instanceof RddError ? err.exitCode : ExitCode.Error;
  const debug = setting(argv, '--log-level', 'RDD_LOG_LEVEL', env) === 'debug';
  if (setting(argv, '--log-format', 'RDD_LOG_FORMAT', env) === 'json') {
    const hint = err instanceof RddError ? err.suggestion : undefined;
    const stack = debug && err instanceof Error ? err.stack : undefined;
    const line = { time: new Date().toISOString(), level: 'error', msg: errorMessage(err), hint, exitCode, stack };
    process.stderr.write(`${JSON.stringify(line)}\n`);
  } else {
    const paint = await paletteFor(process.stderr, env);
    process.stderr.write(errorLines(err, { stack: debug, paint }).join('\n') + '\n');
  }
  return exitCode;
}
