import { describe, expect, it } from 'vitest';
import { skewWarning } from '../../../../src/commands/program/version-skew.js';

const cli = { version: '0.2.0', commit: '2b2b2b2b2b2b' };

describe('skewWarning', () => {
  it('says nothing when the daemon runs the CLI’s build', () => {
    expect(skewWarning('2', { ...cli }, cli)).toBeUndefined();
  });

  it('names both builds and the command that fixes it when the version or the commit differs', () => {
    expect(skewWarning('2', { version: '0.1.0', commit: '1a1a1a1a1a1a' }, cli)).toBe(
      'warning: the rdd daemon for instance 2 runs rdd 0.1.0 (commit 1a1a1a1a1a1a), this CLI is rdd 0.2.0 (commit 2b2b2b2b2b2b); ' +
        "run `rdd svc restart` to restart it on this CLI's build (the App and its objects are kept)",
    );
    expect(skewWarning('2', { version: '0.2.0', commit: 'unknown' }, cli)).toMatch(/runs rdd 0\.2\.0 \(commit unknown\), this CLI is rdd 0\.2\.0 \(commit 2b2b2b2b2b2b\)/);
  });

  it('tells an older daemon that cannot say its version apart, and names a non-default instance in the command', () => {
    expect(skewWarning('dev', null, cli)).toMatch(/instance dev runs an older rdd \(one that does not report its version\).*run `rdd --instance dev svc restart`/);
  });
});
