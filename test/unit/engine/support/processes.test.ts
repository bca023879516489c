import { describe, expect, it } from 'vitest';
import { belongsToInstance, catchesSignal, withDescendants, type ProcessInfo } from '../../../../src/engine/support/processes.js';

const proc = (pid: number, argv: string[], environ: string[] = [], ppid = 1): ProcessInfo => ({ pid, ppid, argv, environ });

describe('instance process matching', () => {
  it.each([
    [proc(1, ['sleep', '1'], ['RDD_INSTANCE=bats']), true],
    [proc(2, ['sleep', '1'], ['RDD_INSTANCE=bats-app']), false],
    [proc(3, ['sleep', '1'], ['X_RDD_INSTANCE=bats', 'NOTE=RDD_INSTANCE=bats']), false],
    [proc(4, ['dockerd', '--host', 'unix:///tmp/h/.rdbats/docker.sock']), true],
    [proc(5, ['dockerd', '--host', 'unix:///tmp/h/.rdbats-app/docker.sock']), false],
    [proc(6, ['node', 'serve'], ['PWD=/tmp/h/.local/share/rancher-desktop-bats']), true],
    [proc(7, ['x', '--data-root=/tmp/h/.local/share/rancher-desktop-bats-app/docker']), false],
    [proc(8, ['x', '/tmp/h/my.rdbats/y', '/tmp/h/xrancher-desktop-bats/y']), false],
  ])('process %#: belongs to "bats" = %s', (p, expected) => {
    expect(belongsToInstance(p, 'bats')).toBe(expected);
  });

  it('includes descendants of matched processes (containers under a shim)', () => {
    const all = [proc(10, ['shim'], ['RDD_INSTANCE=bats']), proc(11, ['sleep'], [], 10), proc(12, ['sh'], [], 11), proc(13, ['other'])];
    expect(withDescendants(all, [all[0]]).map((p) => p.pid)).toEqual([10, 11, 12]);
  });
});

describe('catchesSignal', () => {
  it.runIf(process.platform === 'linux')('sees a SIGUSR2 handler (a daemon that can write a report)', () => {
    const handler = () => undefined;
    process.on('SIGUSR2', handler);
    try {
      expect(catchesSignal(process.pid, 'SIGUSR2')).toBe(true);
    } finally {
      process.off('SIGUSR2', handler);
    }
    expect(catchesSignal(2 ** 30, 'SIGUSR2')).toBe(false);
  });
});
