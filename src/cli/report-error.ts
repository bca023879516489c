import { errorMessage, ExitCode, RddError } from '../base/errors.js';

/** A global option's value straight from argv: needed when parsing itself failed, or never ran. */
export function optionValue(argv: readonly string[], name: string): string | undefined {
  const end = argv.includes('--') ? argv.indexOf('--') : argv.length;
  const args = argv.slice(0, end);
  const inline = args.find((a) => a.startsWith(`${name}=`));
  if (inline) return inline.slice(name.length + 1);
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/**
 * The CLI's last word on a failure: one line (or one JSON object with
 * --log-format=json) on stderr, the stack only at debug level. Returns the exit code.
 */
export function reportError(err: unknown, argv: readonly string[]): ExitCode {
  const exitCode = err instanceof RddError ? err.exitCode : ExitCode.Error;
  const hint = err instanceof RddError ? err.suggestion : undefined;
  const stack = optionValue(argv, '--log-level') === 'debug' && err instanceof Error ? err.stack : undefined;
  if (optionValue(argv, '--log-format') === 'json') {
    const line = { time: new Date().toISOString(), level: 'error', msg: errorMessage(err), hint, exitCode, stack };
    process.stderr.write(`${JSON.stringify(line)}\n`);
  } else {
    process.stderr.write(`rdd: ${errorMessage(err)}\n`);
    if (hint) process.stderr.write(`hint: ${hint}\n`);
    if (stack) process.stderr.write(`${stack}\n`);
  }
  return exitCode;
}
