import type { ChalkInstance } from 'chalk';
import { isInteractive } from './progress.js';

/**
 * chalk for what goes to `stream`: colours only where a person reads a
 * terminal (the same rule as spinners: no pipe, NO_COLOR, CI or dumb
 * terminal), never escape codes in logs or captured output. chalk is loaded
 * only when colour is on, so commands printing to a pipe do not pay its import.
 */
export async function paletteFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): Promise<ChalkInstance | undefined> {
  if (!isInteractive(stream, env)) return undefined;
  const { Chalk } = await import('chalk');
  return new Chalk({ level: 1 });
}
