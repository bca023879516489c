/** Exit codes are part of the CLI contract: scripts rely on them (docs/cli.md#exit-codes). */
export const ExitCode = {
  Ok: 0,
  Error: 1,
  Usage: 2,
  Rejected: 3,
  Timeout: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface RddErrorOptions {
  exitCode?: ExitCode;
  cause?: unknown;
  /** One line telling the user what to do next. */
  suggestion?: string;
}

/**
 * The one error type the CLI knows how to render: a one-line message, an exit
 * code and an optional suggestion. Anything else is a bug and exits 1.
 */
export class RddError extends Error {
  readonly exitCode: ExitCode;
  readonly suggestion?: string;

  constructor(message: string, options: RddErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RddError';
    this.exitCode = options.exitCode ?? ExitCode.Error;
    this.suggestion = options.suggestion;
  }
}

export class UsageError extends RddError {
  constructor(message: string, options: Omit<RddErrorOptions, 'exitCode'> = {}) {
    super(message, { ...options, exitCode: ExitCode.Usage });
    this.name = 'UsageError';
  }
}

export class TimeoutError extends RddError {
  constructor(message: string, options: Omit<RddErrorOptions, 'exitCode'> = {}) {
    super(message, { ...options, exitCode: ExitCode.Timeout });
    this.name = 'TimeoutError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A failure that retrying cannot fix until its input changes (a missing
 * binary, a daemon.json the engine rejects, a driver that needs root). A work
 * queue parks the key instead of retrying it with backoff; the key runs again
 * only when its input changes (a new generation, an explicit retry request).
 * It is the only terminal signal: every other error is retried with backoff.
 */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

/** True for a TerminalError or an error caused (at any depth) by one; nothing else is terminal. */
export function isTerminal(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) {
    if (e instanceof TerminalError) return true;
  }
  return false;
}
