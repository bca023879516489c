import { stripVTControlCharacters } from 'node:util';
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { RddError } from '../../../../src/engine/base/errors.js';
import { bundledAppSpecSchema } from '../../../../src/commands/app/bundled-schema.js';
import { settableProperties } from '../../../../src/commands/app/properties.js';
import { propertyHelp } from '../../../../src/commands/app/property-help.js';
import { renderStatus, statusColour, type StatusReport } from '../../../../src/commands/app/status-report.js';
import { paletteFor } from '../../../../src/commands/output/colour.js';
import { errorLines } from '../../../../src/commands/program/report-error.js';

const ESC = '\u001b[';
const paint = new Chalk({ level: 1 });

const report: StatusReport = {
  instance: '2',
  service: 'running',
  app: {
    generation: 3,
    spec: { running: true },
    deleting: false,
    conditions: [
      { type: 'Running', status: 'True', reason: 'Started', message: 'up', observedGeneration: 3, lastTransitionTime: '' },
      { type: 'Settled', status: 'False', reason: 'Pending', message: 'waiting', observedGeneration: 3, lastTransitionTime: '' },
      { type: 'ContainerEngineReady', status: 'False', reason: 'StartFailed', message: 'no', observedGeneration: 2, lastTransitionTime: '' },
    ],
  },
  mirrors: { namespace: 'rancher-desktop', containers: 1, images: 2, volumes: null },
};

describe('rdd status colours', () => {
  it.each([
    ['True', 'Started', 'green'],
    ['False', 'Starting', 'yellow'],
    ['False', 'Pending', 'yellow'],
    ['Unknown', 'Whatever', 'yellow'],
    ['False', 'StartFailed', 'red'],
    ['False', 'Stopped', 'red'],
  ] as const)('%s/%s is %s', (status, reason, colour) => {
    expect(statusColour({ status, reason })).toBe(colour);
  });

  it('colours only the STATUS cells, and only when given a palette', () => {
    const plain = renderStatus(report);
    expect(plain).not.toContain(ESC);
    expect(plain).toMatch(/^Running +True +Started +3 +up$/m);
    const coloured = renderStatus(report, paint);
    expect(coloured).toContain(paint.green('True'));
    expect(coloured).toContain(paint.yellow('False'));
    expect(coloured).toContain(paint.red('False'));
    // Same layout once the escape codes are gone: padding was done before colouring.
    expect(stripVTControlCharacters(coloured)).toBe(plain);
  });
});

describe('the error report', () => {
  const err = new RddError('it broke', { suggestion: 'try again' });

  it('is plain text without a palette', () => {
    expect(errorLines(err, { stack: false })).toEqual(['rdd: it broke', 'hint: try again']);
  });

  it('colours the labels, not the message, with one', () => {
    const lines = errorLines(err, { stack: false, paint });
    expect(lines[0]).toBe(`${paint.red.bold('rdd:')} it broke`);
    expect(lines[1]).toBe(`${paint.yellow('hint:')} try again`);
  });
});

describe('paletteFor', () => {
  const tty = { isTTY: true, columns: 80 } as NodeJS.WriteStream;

  it.each([
    ['a pipe', { isTTY: false } as NodeJS.WriteStream, {}],
    ['NO_COLOR', tty, { NO_COLOR: '1' }],
    ['CI', tty, { CI: 'true' }],
  ])('gives no colour to %s', async (_what, stream, env) => {
    expect(await paletteFor(stream, env)).toBeUndefined();
  });

  it('gives colour to a terminal', async () => {
    expect((await paletteFor(tty, {}))?.green('x')).toBe(paint.green('x'));
  });
});

describe('rdd set --help', () => {
  it('lists every settable property with its values and default', () => {
    const help = propertyHelp(settableProperties(bundledAppSpecSchema()));
    expect(help).toMatch(/^ {2}PROPERTY +VALUES +DEFAULT$/m);
    expect(help).toMatch(/^ {2}running +true\|false +false$/m);
    expect(help).toMatch(/^ {2}containerEngine\.name +moby\|containerd +moby$/m);
    expect(help).toMatch(/^ {2}vm\.cpus +integer \(>= 1\) +2$/m);
    expect(help).toMatch(/^ {2}namespace +string \(at most 63 chars\) +rancher-desktop$/m);
  });
});
