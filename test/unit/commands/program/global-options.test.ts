import { describe, expect, it } from 'vitest';
import { GLOBAL_OPTIONS, GLOBALS_TAKING_VALUE } from '../../../../src/commands/program/global-options.js';
import { parseBoolean } from '../../../../src/commands/program/parse-bool.js';
import { buildProgram } from '../../../../src/commands/program/program.js';

describe('parseBoolean', () => {
  it.each([
    ['true', true],
    ['YES', true],
    ['1', true],
    ['False', false],
    ['no', false],
    ['0', false],
    ['maybe', undefined],
    ['', undefined],
  ])('%j → %j', (text, want) => {
    expect(parseBoolean(text)).toBe(want);
  });
});

describe('the global options', () => {
  it('are the ones the program parses, and what rdd ctl strips', () => {
    const program = buildProgram(async () => 0);
    const flags = GLOBAL_OPTIONS.map((o) => o.flag);
    expect(program.options.map((o) => o.long).filter((f) => f !== '--version')).toEqual(flags);
    expect([...GLOBALS_TAKING_VALUE.keys()]).toEqual(flags);
  });

  it('fail on a bad --wait value with commander naming the option', async () => {
    const program = buildProgram(async () => 0);
    program.configureOutput({ writeErr: () => undefined });
    for (const c of program.commands) c.exitOverride().configureOutput({ writeErr: () => undefined });
    await expect(program.parseAsync(['node', 'rdd', 'set', '--wait=perhaps', 'running=true'])).rejects.toThrow(
      /option '--wait \[bool\]' argument 'perhaps' is invalid\. expected true or false/,
    );
  });
});
