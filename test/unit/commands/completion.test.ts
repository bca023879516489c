import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundledAppSpecSchema } from '../../../src/commands/app/bundled-schema.js';
import { settableProperties } from '../../../src/commands/app/properties.js';
import { completionCandidates, forBash, wordsOfLine } from '../../../src/commands/completion/candidates.js';
import { existingInstances } from '../../../src/commands/completion/instances.js';
import { COMPLETION_SCRIPTS, SHELLS } from '../../../src/commands/completion/scripts.js';
import { buildProgram } from '../../../src/commands/program/program.js';

const program = buildProgram(async () => 0);
const sources = { properties: () => settableProperties(bundledAppSpecSchema()), instances: () => ['2', 'dev'] };
const complete = (...words: string[]) => completionCandidates(program, words, sources);

describe('completionCandidates on the real command tree and App CRD', () => {
  it('offers the visible subcommands, not the hidden __complete', () => {
    const top = complete('');
    expect(top).toEqual(expect.arrayContaining(['version', 'svc', 'set', 'start', 'stop', 'status', 'run', 'ctl', 'support-bundle', 'completion']));
    expect(top).not.toContain('__complete');
    expect(complete('s')).toEqual(['svc', 'set', 'start', 'stop', 'status', 'support-bundle']);
    expect(complete('svc', 'st')).toEqual(['start', 'stop', 'status']);
    expect(complete('service', 'de')).toEqual(['delete']);
  });

  it("offers a command's own flags and the global ones", () => {
    expect(complete('set', '--')).toEqual(expect.arrayContaining(['--dry-run', '--wait', '--timeout', '--instance', '--log-level', '--log-format', '--help']));
    expect(complete('svc', 'serve', '--')).not.toContain('--pid-file');
    expect(complete('--log')).toEqual(['--log-level', '--log-format']);
  });

  it('offers property names, then enum and boolean values', () => {
    expect(complete('set', 'vm.')).toEqual(['vm.driver=', 'vm.cpus=', 'vm.memory=', 'vm.rosetta=', 'vm.mounts.home=', 'vm.mounts.type=']);
    expect(complete('set', 'running=true', 'cont')).toEqual(['containerEngine.name=']);
    expect(complete('set', 'vm.driver=')).toEqual(['vm.driver=auto', 'vm.driver=lima', 'vm.driver=native']);
    expect(complete('set', 'running=')).toEqual(['running=true', 'running=false']);
    expect(complete('set', 'vm.cpus=')).toEqual([]);
    expect(complete('--instance', 'dev', 'set', '--dry-run', 'containerEngine.name=c')).toEqual(['containerEngine.name=containerd']);
  });

  it('offers option values: instances, choices, booleans', () => {
    expect(complete('--instance', '')).toEqual(['2', 'dev']);
    expect(complete('svc', 'start', '--instance', 'd')).toEqual(['dev']);
    expect(complete('--instance=')).toEqual(['--instance=2', '--instance=dev']);
    expect(complete('--log-level', '')).toEqual(['trace', 'debug', 'info', 'warn', 'warning', 'error']);
    expect(complete('--log-format=j')).toEqual(['--log-format=json']);
    expect(complete('svc', 'start', '--wait=')).toEqual(['--wait=true', '--wait=false']);
    expect(complete('status', '-o', '')).toEqual(['text', 'json']);
    expect(complete('completion', '')).toEqual(['bash', 'zsh', 'fish']);
  });

  it('offers nothing past ctl, run or --', () => {
    expect(complete('ctl', 'get', '')).toEqual([]);
    expect(complete('ctl', '')).toEqual([]);
    expect(complete('run', 'docker', '')).toEqual([]);
    expect(complete('set', '--', 'x', '')).toEqual([]);
  });
});

describe('the bash side', () => {
  it('splits the line up to the cursor, keeping the empty word under it', () => {
    expect(wordsOfLine('rdd ')).toEqual(['']);
    expect(wordsOfLine('  /usr/bin/rdd set  vm.')).toEqual(['set', 'vm.']);
  });

  it('drops what bash already split off at = and :', () => {
    expect(forBash('vm.driver=l', ['vm.driver=lima'])).toEqual(['lima']);
    expect(forBash('--log-level=', ['--log-level=debug'])).toEqual(['debug']);
    expect(forBash('vm.', ['vm.cpus='])).toEqual(['vm.cpus=']);
  });
});

describe('the completion scripts', () => {
  it.each(SHELLS)('%s hands the words to `rdd __complete %s`', (shell) => {
    expect(COMPLETION_SCRIPTS[shell]).toContain(`__complete ${shell} --`);
  });
});

describe('existingInstances', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'rdd-instances-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('lists the service dirs that are instances, and nothing when there are none', () => {
    const env = { HOME: home, XDG_DATA_HOME: path.join(home, 'data') };
    expect(existingInstances(env)).toEqual([]);
    for (const name of ['rancher-desktop-b', 'rancher-desktop-a-1', 'rancher-desktop', 'rancher-desktop-Bad_Name', 'other']) {
      mkdirSync(path.join(home, 'data', name), { recursive: true });
    }
    expect(existingInstances(env)).toEqual(['a-1', 'b']);
  });
});
