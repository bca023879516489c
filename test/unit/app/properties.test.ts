import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { JSONSchemaProps } from '../../../src/kube/json-schema.js';
import { crdDir } from '../../../src/base/assets.js';
import { coerceValue, parseAssignments, settableProperties } from '../../../src/cli/app/properties.js';
import { ExitCode, RddError } from '../../../src/base/errors.js';

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
      'namespace',
    ]);
  });
});

describe('coerceValue', () => {
  it.each([
    ['true', { type: 'boolean' }, true],
    ['FALSE', { type: 'boolean' }, false],
    ['1', { type: 'boolean' }, true],
    ['0', { type: 'boolean' }, false],
    ['maybe', { type: 'boolean' }, 'maybe'],
    ['4', { type: 'integer' }, 4],
    ['-3', { type: 'integer' }, -3],
    ['4.5', { type: 'integer' }, '4.5'],
    ['four', { type: 'integer' }, 'four'],
    ['1.5', { type: 'number' }, 1.5],
    ['', { type: 'number' }, ''],
    ['moby', { type: 'string', enum: ['moby', 'containerd'] }, 'moby'],
    ['true', { type: 'string' }, 'true'],
    ['a=b', { type: 'string' }, 'a=b'],
  ] as [string, JSONSchemaProps, unknown][])('%j as %j → %j', (raw, schema, want) => {
    expect(coerceValue(raw, schema)).toEqual(want);
  });
});

describe('parseAssignments', () => {
  it.each([
    [['running=true'], { running: true }],
    [['running=0', 'containerEngine.name=containerd'], { running: false, containerEngine: { name: 'containerd' } }],
    [['vm.cpus=4', 'vm.memory=8', 'vm.driver=native'], { vm: { cpus: 4, memory: 8, driver: 'native' } }],
    // Values the schema will reject are passed through so the server says why (exit 3).
    [['vm.cpus=lots', 'containerEngine.name=podman'], { vm: { cpus: 'lots' }, containerEngine: { name: 'podman' } }],
    [['namespace=a=b'], { namespace: 'a=b' }],
    [['running=true', 'running=false'], { running: false }],
  ])('%j → %j', (args, want) => {
    expect(parseAssignments(args, specSchema)).toEqual(want);
  });

  it.each([[['nope=1']], [['vm=1']], [['running']], [['=true']], [[]]])('%j is a usage error (exit 2)', (args) => {
    let error: unknown;
    try {
      parseAssignments(args, specSchema);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RddError);
    expect((error as RddError).exitCode).toBe(ExitCode.Usage);
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
