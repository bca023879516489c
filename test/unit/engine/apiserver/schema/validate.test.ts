import { describe, expect, it } from 'vitest';
import type { FieldError } from '../../../../../src/engine/apiserver/schema/field-error.js';
import { validateAgainstSchema } from '../../../../../src/engine/apiserver/schema/validate.js';
import type { JSONSchemaProps } from '../../../../../src/engine/kube/json-schema.js';

const schema: JSONSchemaProps = {
  type: 'object',
  required: ['spec'],
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      required: ['engine'],
      properties: {
        engine: { type: 'string', enum: ['moby', 'containerd'] },
        running: { type: 'boolean' },
        vm: {
          type: 'object',
          properties: {
            cpus: { type: 'integer', minimum: 1, maximum: 16 },
            memoryGiB: { type: 'number', exclusiveMinimum: true, minimum: 0 },
            ratio: { type: 'number', maximum: 1, exclusiveMaximum: true },
          },
        },
        name: { type: 'string', minLength: 1, maxLength: 5, pattern: '^[a-z]+$' },
        port: { 'x-kubernetes-int-or-string': true },
        note: { type: 'string', nullable: true },
        since: { type: 'string', format: 'date-time' },
        tags: { type: 'array', maxItems: 2, minItems: 1, items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
        env: { type: 'object', maxProperties: 1, additionalProperties: { type: 'string' } },
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
        anything: { 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
    status: {
      type: 'object',
      properties: {
        ports: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' } } } },
        conditions: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['type'],
          items: { type: 'object', properties: { type: { type: 'string' }, status: { type: 'string' } } },
        },
      },
    },
  },
};

const base = { apiVersion: 'x/v1', kind: 'App', metadata: { name: 'app' } };
const withSpec = (spec: Record<string, unknown>): unknown => ({ ...base, spec: { engine: 'moby', ...spec } });

describe('validateAgainstSchema', () => {
  it.each<[string, unknown, FieldError[]]>([
    ['a valid object', withSpec({ running: true, vm: { cpus: 2, memoryGiB: 0.5 }, port: 'http', note: null, anything: [1, { a: null }] }), []],
    ['int-or-string as integer', withSpec({ port: 8080 }), []],
    ['unknown fields (pruning, not validation, handles them)', withSpec({ bogus: 1 }), []],
    ['missing spec', { ...base }, [{ reason: 'FieldValueRequired', field: 'spec', message: 'Required value' }]],
    ['missing nested required', { ...base, spec: {} }, [{ reason: 'FieldValueRequired', field: 'spec.engine', message: 'Required value' }]],
    [
      'enum',
      withSpec({ engine: 'x' }),
      [{ reason: 'FieldValueNotSupported', field: 'spec.engine', message: 'Unsupported value: "x": supported values: "moby", "containerd"' }],
    ],
    [
      'integer given a string',
      withSpec({ vm: { cpus: 'string' } }),
      [{ reason: 'FieldValueTypeInvalid', field: 'spec.vm.cpus', message: 'Invalid value: "string": spec.vm.cpus in body must be of type integer: "string"' }],
    ],
    [
      'integer given a fraction',
      withSpec({ vm: { cpus: 1.5 } }),
      [{ reason: 'FieldValueTypeInvalid', field: 'spec.vm.cpus', message: 'Invalid value: "number": spec.vm.cpus in body must be of type integer: "number"' }],
    ],
    [
      'boolean given a string',
      withSpec({ running: 'yes' }),
      [{ reason: 'FieldValueTypeInvalid', field: 'spec.running', message: 'Invalid value: "string": spec.running in body must be of type boolean: "string"' }],
    ],
    [
      'null for a non-nullable field',
      withSpec({ running: null }),
      [{ reason: 'FieldValueTypeInvalid', field: 'spec.running', message: 'Invalid value: "null": spec.running in body must be of type boolean: "null"' }],
    ],
    [
      'int-or-string given a boolean',
      withSpec({ port: true }),
      [{ reason: 'FieldValueTypeInvalid', field: 'spec.port', message: 'Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"' }],
    ],
    [
      'minimum',
      withSpec({ vm: { cpus: 0 } }),
      [{ reason: 'FieldValueInvalid', field: 'spec.vm.cpus', message: 'Invalid value: 0: spec.vm.cpus in body should be greater than or equal to 1' }],
    ],
    [
      'maximum',
      withSpec({ vm: { cpus: 17 } }),
      [{ reason: 'FieldValueInvalid', field: 'spec.vm.cpus', message: 'Invalid value: 17: spec.vm.cpus in body should be less than or equal to 16' }],
    ],
    [
      'exclusive bounds',
      withSpec({ vm: { memoryGiB: 0, ratio: 1 } }),
      [
        { reason: 'FieldValueInvalid', field: 'spec.vm.memoryGiB', message: 'Invalid value: 0: spec.vm.memoryGiB in body should be greater than 0' },
        { reason: 'FieldValueInvalid', field: 'spec.vm.ratio', message: 'Invalid value: 1: spec.vm.ratio in body should be less than 1' },
      ],
    ],
    [
      'string length and pattern',
      withSpec({ name: 'Abcdef' }),
      [
        { reason: 'FieldValueTooLong', field: 'spec.name', message: 'Too long: may not be more than 5 bytes' },
        { reason: 'FieldValueInvalid', field: 'spec.name', message: `Invalid value: "Abcdef": spec.name in body should match '^[a-z]+$'` },
      ],
    ],
    [
      'minLength',
      withSpec({ name: '' }),
      [
        { reason: 'FieldValueInvalid', field: 'spec.name', message: 'Invalid value: "": spec.name in body should be at least 1 chars long' },
        { reason: 'FieldValueInvalid', field: 'spec.name', message: `Invalid value: "": spec.name in body should match '^[a-z]+$'` },
      ],
    ],
    [
      'date-time',
      withSpec({ since: 'yesterday' }),
      [{ reason: 'FieldValueInvalid', field: 'spec.since', message: 'Invalid value: "yesterday": spec.since in body must be of type date-time: "yesterday"' }],
    ],
    ['valid date-time', withSpec({ since: '2026-01-02T03:04:05.123+01:00' }), []],
    [
      'too many items and a duplicate in a set',
      withSpec({ tags: ['a', 'b', 'a'] }),
      [
        { reason: 'FieldValueTooMany', field: 'spec.tags', message: 'Too many: 3: must have at most 2 items' },
        { reason: 'FieldValueDuplicate', field: 'spec.tags[2]', message: 'Duplicate value: "a"' },
      ],
    ],
    ['minItems', withSpec({ tags: [] }), [{ reason: 'FieldValueInvalid', field: 'spec.tags', message: 'Invalid value: []: spec.tags in body should have at least 1 items' }]],
    [
      'additionalProperties values and maxProperties',
      withSpec({ env: { A: 1, B: 'x' } }),
      [
        { reason: 'FieldValueTooMany', field: 'spec.env', message: 'Too many: 2: must have at most 1 items' },
        { reason: 'FieldValueTypeInvalid', field: 'spec.env.A', message: 'Invalid value: "integer": spec.env.A in body must be of type string: "integer"' },
      ],
    ],
    [
      'embedded resource needs apiVersion and kind',
      withSpec({ template: { kind: 'Pod' } }),
      [{ reason: 'FieldValueRequired', field: 'spec.template.apiVersion', message: 'Required value: must not be empty' }],
    ],
    [
      'array item paths',
      { ...withSpec({}) as object, status: { ports: [{ name: 'a', port: 1 }, { port: 'x' }] } },
      [
        { reason: 'FieldValueRequired', field: 'status.ports[1].name', message: 'Required value' },
        { reason: 'FieldValueTypeInvalid', field: 'status.ports[1].port', message: 'Invalid value: "string": status.ports[1].port in body must be of type integer: "string"' },
      ],
    ],
    [
      'duplicate list-map keys',
      { ...withSpec({}) as object, status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Other' }, { type: 'Ready', status: 'False' }] } },
      [{ reason: 'FieldValueDuplicate', field: 'status.conditions[2]', message: 'Duplicate value: {"type":"Ready"}' }],
    ],
    [
      'object given an array',
      { ...base, spec: [] },
      [{ reason: 'FieldValueTypeInvalid', field: 'spec', message: 'Invalid value: "array": spec in body must be of type object: "array"' }],
    ],
  ])('%s', (_name, obj, expected) => {
    expect(validateAgainstSchema(schema, obj)).toEqual(expected);
  });

  it('leaves apiVersion, kind and metadata to the server even when the schema types them', () => {
    const strict: JSONSchemaProps = { type: 'object', required: ['metadata'], properties: { metadata: { type: 'string' }, kind: { type: 'integer' } } };
    expect(validateAgainstSchema(strict, { kind: 'App', metadata: { name: 'x' } })).toEqual([]);
    expect(validateAgainstSchema(strict, {})).toEqual([]);
  });
});
