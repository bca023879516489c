import parse from 'parse-duration';
import { UsageError } from './errors.js';

// Go's time.ParseDuration grammar: one or more <number><unit>, or a bare "0".
const GO_DURATION = /^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/;

/** Parses a Go-style duration ("90s", "1m30s", "0") into milliseconds, as kubectl's --timeout does. */
export function parseDurationMs(text: string, flag = '--timeout'): number {
  const value = text.trim();
  if (value === '0') return 0;
  const ms = GO_DURATION.test(value) ? parse(value) : null;
  if (ms === null || !Number.isFinite(ms)) {
    throw new UsageError(`invalid duration "${text}" for ${flag}: use a number with a unit, e.g. 90s, 5m or 1m30s`);
  }
  return Math.round(ms);
}

/** "1m30s" style, for messages; under a second in milliseconds ("10ms"), so a short deadline is not shown as "0s". */
export function formatDuration(ms: number): string {
  if (ms > 0 && ms < 1000) return `${Math.round(ms)}ms`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}
