import { InvalidArgumentError, Option } from 'commander';
import { parseBoolean } from './parse-bool.js';

function boolArgument(text: string): boolean {
  const value = parseBoolean(text);
  if (value === undefined) throw new InvalidArgumentError('expected true or false');
  return value;
}

/** `--wait` / `--wait=BOOL`: on unless `--wait=false`. */
export function waitOption(description: string): Option {
  return new Option('--wait [bool]', description).preset('true').argParser(boolArgument).default(true);
}

export function timeoutOption(fallback: string, what: string): Option {
  return new Option('--timeout <duration>', `${what} (Go-style duration; 0 = no limit)`).default(fallback);
}
