import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { JSONSchemaProps } from '../../../../src/engine/kube/json-schema.js';
import { crdDir } from '../../../../src/engine/base/assets.js';
import { acceptedValues, parseAssignments, parseValue, settableProperties, valueCandidates } from '../../../../src/commands/app/properties.js';
import { ExitCode, RddError } from '../../../../src/engine/base/errors.js';
import { rejectionOf } from '../../../support/rejection.js';

const crd = parse(readFileSync(`${crdDir}/app.yaml`, 'utf8')) as {
  spec: { versions: { schema: { openAPIV3Schema: JSONSchemaProps } }[] };
};
const specSchema = crd.spec.versions[0].schema.openAPIV3Schema.properties!.spec;

describe('settableProperties', () => {
  it('lists the leaves of the real App CRD in dot notation', () => {
    expect(settableProperties(specSchema).map((p) => p.path)).toEqual([
      'running',
      'containerEngine.name',
      'vm.driver',
      'vm.cpus',
      'vm.memory',
      'vm.rosetta',
      'vm.mounts.home',
      'vm.mounts.type',
      'namespace',
    ]);
  });
});

describe('parseValue', () => {
  it.each([
    ['true', { type: 'boolean' }, true],
    ['FALSE', { type: 'boolean' }, false],
    ['1', { type: 'boolean' }, true],
    ['0', { type: 'boolean' }, false],
    ['yes', { type: 'boolean' }, true],
    ['4', { type: 'integer' }, 4],
    ['-3', { type: 'integer' }, -3],
    ['1.5', { type: 'number' }, 1.5],
    ['moby', { type: 'string', enum: ['moby', 'containerd'] }, 'moby'],
    ['true', { type: 'string' }, 'true'],
    ['a=b', { type: 'string' }, 'a=b'],
  ] as [string, JSONSchemaProps, unknown][])('%j as %j → %j', (raw, schema, want) => {
    expect(parseValue('p', raw, schema)).toEqual(want);
  });

  it.each([
    ['maybe', { type: 'boolean' }, 'expected true or false'],
    ['4.5', { type: 'integer' }, 'expected an integer'],
    ['four', { type: 'integer' }, 'expected an integer'],
    ['', { type: 'number' }, 'expected a number'],
    ['podman', { type: 'string', enum: ['moby', 'containerd'] }, 'expected one of moby, containerd'],
  ] as [string, JSONSchemaProps, string][])('%j as %j is a usage error saying %j', async (raw, schema, expected) => {
    const error = await rejectionOf(Promise.resolve().then(() => parseValue('vm.x', raw, schema)), RddError);
    expect(error.exitCode).toBe(ExitCode.Usage);
    expect(error.message).toBe(`invalid value "${raw}" for App property vm.x: ${expected}`);
  });
});

describe('acceptedValues and valueCandidates', () => {
  it.each([
    [{ type: 'boolean' }, 'true|false', ['true', 'false']],
    [{ type: 'string', enum: ['auto', 'lima'] }, 'auto|lima', ['auto', 'lima']],
    [{ type: 'integer' }, 'integer', []],
    [{ type: 'string' }, 'string', []],
  ] as [JSONSchemaProps, string, string[]][])('%j accepts %j, offers %j', (schema, accepted, offered) => {
    expect(acceptedValues(schema)).toBe(accepted);
    expect(valueCandidates(schema)).toEqual(offered);
  });
});

describe('parseAssignments', () => {
  it.each([
    [['running=true'], { running: true }],
    [['running=0', 'containerEngine.name=containerd'], { running: false, containerEngine: { name: 'containerd' } }],
    [['vm.cpus=4', 'vm.memory=8', 'vm.driver=native'], { vm: { cpus: 4, memory: 8, driver: 'native' } }],
    // Finer rules (minimum, pattern) are the server's: it says why (exit 3).
    [['vm.cpus=0', 'namespace=Not_A_Label'], { vm: { cpus: 0 }, namespace: 'Not_A_Label' }],
    [['namespace=a=b'], { namespace: 'a=b' }],
    [['running=true', 'running=false'], { running: false }],
  ])('%j → %j', (args, want) => {
    expect(parseAssignments(args, specSchema)).toEqual(want);
  });

  const usageErrors = [[['nope=1']], [['vm=1']], [['running']], [['=true']], [[]], [['vm.cpus=abc']], [['running=maybe']], [['vm.driver=qemu']]];
  it.each(usageErrors)('%j is a usage error (exit 2)', async (args) => {
    const error = await rejectionOf(Promise.resolve().then(() => parseAssignments(args, specSchema)), RddError);
    expect(error.exitCode).toBe(ExitCode.Usage);
  });

  it('names the valid properties when one is unknown', () => {
    expect(() => parseAssignments(['vm.disk=10'], specSchema)).toThrow(/unknown App property "vm.disk"/);
    try {
      parseAssignments(['vm.disk=10'], specSchema);
    } catch (err) {
      expect((err as RddError).suggestion).toContain('containerEngine.name (moby|containerd)');
      expect((err as RddError).suggestion).toContain('vm.cpus (integer)');
    }
  });
});
