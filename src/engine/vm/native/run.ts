import { spawn } from 'node:child_process';

export interface RunResult {
  /** undefined when the program could not be started at all (not installed). */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to stdin, which is then closed. */
  input?: string;
  /** Reject on a non-zero exit or a failure to start (default true). */
  reject?: boolean;
}

/**
 * Runs a short host command (ip, iptables-save, umount, runc) and collects its
 * output. Plain child_process on purpose: the native driver runs several of
 * these on every engine start, and execa costs ~0.1 s to import and more CPU
 * per call than the commands themselves (docs/performance.md).
 */
export function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const reject = options.reject ?? true;
  const command = [file, ...args].join(' ');
  return new Promise((resolve, fail) => {
    const child = spawn(file, args, { stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (err) => {
      if (reject) fail(new Error(`cannot run ${command}: ${err.message}`, { cause: err }));
      else resolve({ exitCode: undefined, stdout, stderr: err.message });
    });
    child.on('close', (code, signal) => {
      const exitCode = code ?? undefined;
      if (reject && code !== 0) {
        const how = code === null ? `was killed by ${signal}` : `exited with code ${code}`;
        fail(new Error(`${command} ${how}${stderr.trim() ? `: ${stderr.trim()}` : ''}`));
      } else {
        resolve({ exitCode, stdout, stderr });
      }
    });
    // A program that exits without reading all of its input must not crash us with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
  });
}
