/** Progress for a long wait: a spinner for people at a terminal, timestamped lines for CI logs (docs/cli.md). */
export interface Progress {
  /** The current step; plain mode prints it only when it differs from the last one. */
  update(text: string): void;
  succeed(text: string): void;
  fail(text: string): void;
  info(text: string): void;
  /** Ends the progress without a final line. */
  stop(): void;
}
