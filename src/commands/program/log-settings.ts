import { UsageError } from '../../engine/base/errors.js';
import { LOG_FORMATS, type LogFormat, type LogLevel, type LogSettings } from '../../engine/base/log.js';

/**
 * The names --log-level and RDD_LOG_LEVEL take, and the level each means. Besides rdd's
 * own four, the names the reference CLI takes: `warning` is warn, and `trace` (its most
 * verbose level) is rdd's most verbose, debug.
 */
const LEVEL_NAMES: Readonly<Record<string, LogLevel>> = { trace: 'debug', debug: 'debug', info: 'info', warn: 'warn', warning: 'warn', error: 'error' };
export const LOG_LEVEL_NAMES: readonly string[] = Object.keys(LEVEL_NAMES);

function fromEnv<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[]): T | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  const lower = value.toLowerCase();
  if (!(allowed as readonly string[]).includes(lower)) {
    throw new UsageError(`invalid ${name} "${value}": use one of ${allowed.join(', ')}`);
  }
  return lower as T;
}

/**
 * The log level and format the user asked for: a flag wins over its env var
 * (RDD_LOG_LEVEL, RDD_LOG_FORMAT); left undefined where neither says, so the
 * service config or the default can fill in. A bad env value is a usage error.
 * `flags.level` is one of LOG_LEVEL_NAMES (commander checks it).
 */
export function requestedLogSettings(flags: { level?: string; format?: LogFormat }, env: NodeJS.ProcessEnv = process.env): LogSettings {
  const name = flags.level ?? fromEnv(env, 'RDD_LOG_LEVEL', LOG_LEVEL_NAMES);
  return {
    level: name === undefined ? undefined : LEVEL_NAMES[name],
    format: flags.format ?? fromEnv(env, 'RDD_LOG_FORMAT', LOG_FORMATS),
  };
}
