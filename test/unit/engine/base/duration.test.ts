import { describe, expect, it } from 'vitest';
import { formatDuration, parseDurationMs } from '../../../../src/engine/base/duration.js';

describe('parseDurationMs', () => {
  it.each([
    ['90s', 90_000],
    ['1m30s', 90_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['300ms', 300],
    ['0', 0],
    [' 2m ', 120_000],
  ])('%j → %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['', '10', 'abc', '5 m', '-5s', '1x', '5mo', '1d'])('rejects %j as a usage error (exit 2)', (text) => {
    expect(() => parseDurationMs(text)).toThrow(expect.objectContaining({ exitCode: 2 }));
  });

  it('names the flag in the error', () => {
    expect(() => parseDurationMs('soon', '--timeout')).toThrow('invalid duration "soon" for --timeout');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [1, '1ms'],
    [250, '250ms'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [3_661_000, '1h1m1s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
