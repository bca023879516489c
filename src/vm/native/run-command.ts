import { spawn } from 'node:child_process';

export interface CommandResult {
  /** undefined when the program could not be started (not installed, not executable). */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  /** Written to its stdin. */
  input?: string;
  /** false: a failure is a result, not a rejection. Default true. */
  reject?: boolean;
}

/**
 * Runs a program to completion and collects its output: the few `ip`, `iptables`, `umount` and
 * `runc` calls of the native driver. Not execa, whose ~16 MB of modules the daemon would keep
 * loaded all day for them. Rejects, unless `reject` is false, when the program cannot start or
 * exits non-zero, naming the command and its stderr.
 */
export function runCommand(file: string, args: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
  const command = [file, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: 'pipe' });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const text = (chunks: Buffer[]) => Buffer.concat(chunks).toString('utf8').replace(/\n$/, '');
    const fail = (result: CommandResult, why: string) => {
      if (options.reject === false) resolve(result);
      else reject(new Error(`command failed (${why}): ${command}${result.stderr ? `\n${result.stderr}` : ''}`));
    };
    child.once('error', (err) => fail({ exitCode: undefined, stdout: '', stderr: err.message }, err.message));
    child.once('close', (code, signal) => {
      const result = { exitCode: code ?? undefined, stdout: text(stdout), stderr: text(stderr) };
      if (code === 0) resolve(result);
      else fail(result, signal ? `killed by ${signal}` : `exit code ${code}`);
    });
    // A program that exits without reading its input must not fail the call with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
  });
}
