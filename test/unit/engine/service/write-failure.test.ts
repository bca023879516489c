import { describe, expect, it } from 'vitest';
import { writeFailure } from '../../../../src/engine/service/write-failure.js';

const errno = (code: string) => Object.assign(new Error(`${code}: boom, write`), { code });

describe('writeFailure', () => {
  it.each(['ENOSPC', 'EDQUOT'])('names %s as a full disk and says what to do', (code) => {
    const err = writeFailure("the pidfile draft /x/rdd.pid.1.tmp", errno(code));
    expect(err.message).toBe(`cannot write the pidfile draft /x/rdd.pid.1.tmp: no space left on the device (${code})`);
    expect(err.suggestion).toMatch(/free disk space/);
  });

  it('gives any other failure its own words', () => {
    expect(writeFailure('/x/config.json', errno('EACCES')).message).toBe('cannot write /x/config.json: EACCES: boom, write');
  });
});
