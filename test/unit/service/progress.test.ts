import { describe, expect, it } from 'vitest';
import { createProgress, isInteractive } from '../../../src/engine/output/progress.js';

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

  it('is never interactive without a TTY', () => {
    expect(isInteractive({ isTTY: false } as NodeJS.WriteStream, {})).toBe(false);
  });
});
