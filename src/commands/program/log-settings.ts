import { UsageError } from '../../engine/base/errors.js';
import { LOG_FORMATS, LOG_LEVELS, type LogSettings } from '../../engine/base/log.js';

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
 */
export function requestedLogSettings(flags: LogSettings, env: NodeJS.ProcessEnv = process.env): LogSettings {
  return {
    level: flags.level ?? fromEnv(env, 'RDD_LOG_LEVEL', LOG_LEVELS),
    format: flags.format ?? fromEnv(env, 'RDD_LOG_FORMAT', LOG_FORMATS),
  };
}
