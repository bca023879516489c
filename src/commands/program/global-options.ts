import { LOG_FORMATS } from '../../engine/base/log.js';
import { LOG_LEVEL_NAMES } from './log-settings.js';

/**
 * rdd's global options, written once: commander builds them from this list,
 * `rdd ctl` (dispatched before commander loads) strips them from kubectl's
 * arguments, and shell completion offers them.
 */
export interface GlobalOption {
  flag: `--${string}`;
  /** Placeholder of the value it takes. */
  value: string;
  description: string;
  choices?: readonly string[];
}

export const GLOBAL_OPTIONS: readonly GlobalOption[] = [
  { flag: '--instance', value: 'name', description: 'instance name (env RDD_INSTANCE, default "2")' },
  { flag: '--log-level', value: 'level', description: 'log level (env RDD_LOG_LEVEL; a daemon started without either uses the one `svc create` kept; default info; trace is debug, warning is warn)', choices: LOG_LEVEL_NAMES },
  { flag: '--log-format', value: 'format', description: 'log format (env RDD_LOG_FORMAT; a daemon started without either uses the one `svc create` kept; default text)', choices: LOG_FORMATS },
];

/** Each global flag, and whether it takes a value (`--instance X`): all of them do. */
export const GLOBALS_TAKING_VALUE: ReadonlyMap<string, boolean> = new Map(GLOBAL_OPTIONS.map((o) => [o.flag, true]));
