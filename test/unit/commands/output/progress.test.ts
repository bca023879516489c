import { describe, expect, it } from 'vitest';
import { createProgress, isInteractive, quietUnlessWaiting } from '../../../../src/commands/output/progress.js';

function capture(isTTY = false) {
  const lines: string[] = [];
  const stream = { isTTY, write: (s: string) => lines.push(s) === 0 } as unknown as NodeJS.WriteStream;
  return { stream, lines };
}

describe('createProgress (plain)', () => {
  it('prints timestamped lines only when the text changes', () => {
    const { stream, lines } = capture();
    const now = () => new Date('2026-01-02T03:04:05.000Z');
    const p = createProgress({ interactive: false, stream, now });
    p.update('waiting for A');
    p.update('waiting for A');
    p.update('waiting for B');
    p.succeed('done');
    p.update('after the end');
    expect(lines).toEqual([
      '2026-01-02T03:04:05.000Z waiting for A\n',
      '2026-01-02T03:04:05.000Z waiting for B\n',
      '2026-01-02T03:04:05.000Z done\n',
    ]);
  });

  it('is plain by default when the stream is not a TTY', () => {
    const { stream, lines } = capture(false);
    createProgress({ stream }).update('x');
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT.* x\n$/);
  });
});

describe('isInteractive', () => {
  const tty = { isTTY: true } as NodeJS.WriteStream;
  it.each([
    [{}, true],
    [{ NO_COLOR: '1' }, false],
    [{ CI: 'true' }, false],
    [{ CI: 'false' }, true],
    [{ TERM: 'dumb' }, false],
  ])('env %j → %s', (env, want) => {
    expect(isInteractive(tty, env)).toBe(want);
  });

  it('is not interactive on a terminal that reports 0 columns (ora would clear lines forever)', () => {
    expect(isInteractive({ isTTY: true, columns: 0 } as NodeJS.WriteStream, {})).toBe(false);
    expect(isInteractive({ isTTY: true, columns: 80 } as NodeJS.WriteStream, {})).toBe(true);
  });

  it('is never interactive without a TTY', () => {
    expect(isInteractive({ isTTY: false } as NodeJS.WriteStream, {})).toBe(false);
  });
});

describe('quietUnlessWaiting', () => {
  const now = () => new Date('2026-01-02T03:04:05.000Z');
  it('prints nothing when the first step is also the last', () => {
    const { stream, lines } = capture();
    const p = quietUnlessWaiting(createProgress({ interactive: false, stream, now }));
    p.update('App patched; waiting');
    p.succeed('settled');
    expect(lines).toEqual([]);
  });

  it('shows the held step, the waits and the outcome once there is something to wait for', () => {
    const { stream, lines } = capture();
    const p = quietUnlessWaiting(createProgress({ interactive: false, stream, now }));
    p.update('App patched; waiting');
    p.update('Running False/Starting');
    p.succeed('settled');
    expect(lines.map((l) => l.slice(25))).toEqual(['App patched; waiting\n', 'Running False/Starting\n', 'settled\n']);
  });
});
