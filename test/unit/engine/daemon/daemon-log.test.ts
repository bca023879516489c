import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../../src/engine/base/log.js';
import { lossyLineWriter } from '../../../../src/engine/daemon/daemon-log.js';

/** A file of `room` bytes: writes beyond it fail with ENOSPC after a short write, as on a full disk. */
function smallFile(room: number) {
  const file = { text: '', room };
  const write = (_fd: number, data: Buffer): number => {
    if (file.room <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    const n = Math.min(file.room, data.length);
    file.text += data.subarray(0, n).toString();
    file.room -= n;
    return n;
  };
  return { file, write };
}

describe('lossyLineWriter', () => {
  it('drops lines while the disk is full and says how many once it can write again', () => {
    const { file, write } = smallFile(20);
    const append = lossyLineWriter(3, write);
    append('first line');
    append('second line is cut');
    append('third');
    expect(file.text).toBe('first line\nsecond li');
    file.room = 1000;
    append('after');
    const lines = file.text.split('\n');
    expect(lines[0]).toBe('first line');
    expect(lines[1]).toBe('second li');
    expect(lines[2]).toMatch(/WARN {2}2 log line\(s\) dropped: the log could not be written \(ENOSPC\)$/);
    expect(lines[3]).toBe('after');
    append('next');
    expect(file.text.endsWith('after\nnext\n')).toBe(true);
  });
});

describe('createLogger', () => {
  it('never throws, whatever the writer or the fields do', () => {
    const log = createLogger({
      write: () => {
        throw new Error('ENOSPC');
      },
    });
    expect(() => log.error('crash', { error: new Error('x') })).not.toThrow();
  });

  it('still writes the message when a field cannot be rendered', () => {
    const lines: string[] = [];
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    createLogger({ format: 'json', write: (l) => lines.push(l) }).info('hello', { circular });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ msg: 'hello', unrenderable: expect.stringMatching(/circular/i) });
  });
});
