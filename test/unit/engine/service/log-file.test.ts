import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { daemonLogFile, daemonLogSize, lastDaemonError } from '../../../../src/engine/service/log-file.js';

let logDir: string;
const paths = () => ({ logDir });
const write = (...lines: string[]) => appendFileSync(daemonLogFile(paths()), lines.map((l) => `${l}\n`).join(''));

beforeEach(() => {
  logDir = path.join(mkdtempSync('/tmp/rdd.'), 'logs');
  mkdirSync(logDir);
});
afterEach(() => rmSync(path.dirname(logDir), { recursive: true, force: true }));

describe('lastDaemonError', () => {
  it('finds nothing in a log that is not there, or holds no error', () => {
    expect(daemonLogSize(paths())).toBe(0);
    expect(lastDaemonError(paths(), 0)).toBeUndefined();
    write('2026-01-01T00:00:00.000Z INFO  rdd daemon starting instance=2');
    expect(lastDaemonError(paths(), 0)).toBeUndefined();
  });

  it("takes the daemon's failure report, rdd: and hint:, over its logger's error lines", () => {
    write(
      '2026-01-01T00:00:00.000Z INFO  rdd daemon starting instance=2',
      '2026-01-01T00:00:00.100Z ERROR rdd daemon failed to start error="the object store /s/rdd.sqlite3 is damaged"',
      'rdd: the object store /s/rdd.sqlite3 is damaged (file is not a database)',
      "hint: mv '/s/rdd.sqlite3' '/s/rdd.sqlite3.damaged-1'",
    );
    expect(lastDaemonError(paths(), 0)).toEqual({
      message: 'the object store /s/rdd.sqlite3 is damaged (file is not a database)',
      hint: "mv '/s/rdd.sqlite3' '/s/rdd.sqlite3.damaged-1'",
    });
  });

  it('reads the JSON form of both', () => {
    write(JSON.stringify({ time: 't', level: 'error', msg: 'port 6443 is taken', hint: 'free it', exitCode: 1 }));
    expect(lastDaemonError(paths(), 0)).toEqual({ message: 'port 6443 is taken', hint: 'free it' });
    const from = daemonLogSize(paths());
    write(JSON.stringify({ time: 't', level: 'info', msg: 'rdd daemon starting' }), JSON.stringify({ time: 't', level: 'error', msg: 'uncaught exception' }));
    expect(lastDaemonError(paths(), from)).toEqual({ message: 'uncaught exception' });
  });

  it('without a report, says what the last ERROR line says', () => {
    write('2026-01-01T00:00:00.000Z ERROR [apiserver] could not start error="boom"', '2026-01-01T00:00:00.100Z INFO  shutting down');
    expect(lastDaemonError(paths(), 0)).toEqual({ message: '[apiserver] could not start error="boom"' });
  });

  it("ignores what an earlier daemon wrote before `from`", () => {
    write('rdd: an earlier failure', 'hint: long fixed');
    const from = daemonLogSize(paths());
    write('2026-01-01T00:00:00.000Z INFO  rdd daemon starting instance=2');
    expect(lastDaemonError(paths(), from)).toBeUndefined();
  });
});
