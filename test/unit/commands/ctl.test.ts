import { describe, expect, it } from 'vitest';
import { asksForHelp, kubectlArgs } from '../../../src/commands/ctl.js';

// The globals of src/commands/program/program.ts: all take a value.
const globals = new Map([
  ['--instance', true],
  ['--log-level', true],
  ['--log-format', true],
]);

describe('kubectlArgs', () => {
  it.each([
    { argv: ['ctl', 'get', 'app'], want: ['get', 'app'] },
    { argv: ['--instance', '3', 'ctl', 'get', 'app', '-o', 'name'], want: ['get', 'app', '-o', 'name'] },
    { argv: ['--instance=ctl', 'ctl', 'get', 'app'], want: ['get', 'app'] },
    { argv: ['ctl', 'exec', 'pod', '--', 'ls', '-la'], want: ['exec', 'pod', '--', 'ls', '-la'] },
    { argv: ['ctl', 'get', 'app', '--instance', '4', '-n', 'x'], want: ['get', 'app', '-n', 'x'] },
    { argv: ['ctl', 'exec', 'p', '--', 'cmd', '--instance', '4'], want: ['exec', 'p', '--', 'cmd', '--instance', '4'] },
    { argv: ['ctl', '--help'], want: ['--help'] },
    { argv: ['ctl', '--', 'get', 'app'], want: ['get', 'app'] },
    { argv: ['ctl', '--', 'exec', 'p', '--', 'ls'], want: ['exec', 'p', '--', 'ls'] },
    { argv: ['ctl'], want: [] },
  ])('$argv → $want', ({ argv, want }) => {
    expect(kubectlArgs(argv, globals)).toEqual(want);
  });

  it('gives up (undefined) when the argv does not start with globals and ctl', () => {
    expect(kubectlArgs(['--weird', 'ctl'], globals)).toBeUndefined();
  });
});

describe('asksForHelp', () => {
  it.each([
    { args: [], want: true },
    { args: ['get', '--help'], want: true },
    { args: ['-h'], want: true },
    { args: ['get', 'app'], want: false },
    { args: ['exec', 'p', '--', 'ls', '--help'], want: false },
  ])('$args → $want', ({ args, want }) => expect(asksForHelp(args)).toBe(want));
});
