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
