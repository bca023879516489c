import { format as formatArgs } from 'node:util';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

/** A level and format as asked for; either may be left to a fallback. */
export interface LogSettings {
  level?: LogLevel;
  format?: LogFormat;
}

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines carry `component` (e.g. "engine-controller"). */
  child(component: string): Logger;
  readonly level: LogLevel;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where lines go; defaults to stderr. */
  write?: (line: string) => void;
  component?: string;
}

function renderValue(value: unknown): string {
  if (value instanceof Error) {
    const cause = value.cause === undefined ? '' : ` (cause: ${renderValue(value.cause)})`;
    return JSON.stringify(value.message + cause);
  }
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  return formatArgs('%j', value);
}

function serialisable(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) {
    out[k] = v instanceof Error ? { message: v.message, stack: v.stack, cause: v.cause === undefined ? undefined : String(v.cause) } : v;
  }
  return out;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const format = options.format ?? 'text';
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const threshold = LOG_LEVELS.indexOf(level);

  const render = (lvl: LogLevel, msg: string, fields: LogFields): string => {
    const time = new Date().toISOString();
    if (format === 'json') return JSON.stringify({ time, level: lvl, component: options.component, msg, ...serialisable(fields) });
    const comp = options.component ? ` [${options.component}]` : '';
    const kv = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => ` ${k}=${renderValue(v)}`)
      .join('');
    return `${time} ${lvl.toUpperCase().padEnd(5)}${comp} ${msg}${kv}`;
  };

  // Logging never throws: a caller in a catch block or a crash handler must
  // not die of a full disk or a field that cannot be rendered. A writer that
  // can lose lines (the daemon log file) counts them itself.
  const emit = (lvl: LogLevel, msg: string, fields: LogFields = {}) => {
    if (LOG_LEVELS.indexOf(lvl) < threshold) return;
    let line: string;
    try {
      line = render(lvl, msg, fields);
    } catch (err) {
      line = render(lvl, msg, { unrenderable: err instanceof Error ? err.message : String(err) });
    }
    try {
      write(line);
    } catch {
      // Nowhere left to report it.
    }
  };

  return {
    level,
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (component) =>
      createLogger({ ...options, component: options.component ? `${options.component}/${component}` : component }),
  };
}

/** For tests and library defaults: drops everything. */
export const silentLogger: Logger = createLogger({ level: 'error', write: () => undefined });
