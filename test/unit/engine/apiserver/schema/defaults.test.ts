import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../../../../src/engine/apiserver/schema/defaults.js';
import { pruneUnknownFields } from '../../../../../src/engine/apiserver/schema/prune.js';
import type { JSONSchemaProps } from '../../../../../src/engine/kube/json-schema.js';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      default: {},
      properties: {
        engine: { type: 'string', default: 'moby' },
        running: { type: 'boolean', default: true },
        note: { type: 'string', nullable: true, default: 'n' },
        label: { type: 'string' },
        vm: { type: 'object', properties: { cpus: { type: 'integer', default: 2 }, memoryGiB: { type: 'integer', default: 4 } } },
        ports: { type: 'array', items: { type: 'object', properties: { protocol: { type: 'string', default: 'TCP' }, port: { type: 'integer' } } } },
        sizes: { type: 'array', items: { type: 'integer', default: 1 } },
        env: { type: 'object', additionalProperties: { type: 'object', properties: { value: { type: 'string', default: 'v' } } } },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'object', properties: { a: { type: 'string' } } } } },
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          properties: { spec: { type: 'object', properties: { image: { type: 'string' } } } },
        },
        labels: { type: 'object', additionalProperties: true },
      },
    },
    status: { type: 'object', properties: { conditions: { type: 'array', items: { type: 'object', properties: { type: { type: 'string' } } } } } },
  },
};

describe('applyDefaults', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['defaults an absent spec, then inside it', {}, { spec: { engine: 'moby', running: true, note: 'n' } }],
    ['keeps given values', { spec: { engine: 'containerd', running: false } }, { spec: { engine: 'containerd', running: false, note: 'n' } }],
    ['does not invent absent objects without a default', { spec: {} }, { spec: { engine: 'moby', running: true, note: 'n' } }],
    ['defaults inside present objects', { spec: { vm: { cpus: 8 } } }, { spec: { engine: 'moby', running: true, note: 'n', vm: { cpus: 8, memoryGiB: 4 } } }],
    ['defaults array items', { spec: { ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] } }, { spec: { engine: 'moby', running: true, note: 'n', ports: [{ port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] } }],
    ['replaces a non-nullable null with its default', { spec: { engine: null } }, { spec: { engine: 'moby', running: true, note: 'n' } }],
    ['keeps a nullable null', { spec: { note: null } }, { spec: { engine: 'moby', running: true, note: null } }],
    ['drops a non-nullable null without default', { spec: { label: null } }, { spec: { engine: 'moby', running: true, note: 'n' } }],
    ['defaults null list items', { spec: { sizes: [null, 3] } }, { spec: { engine: 'moby', running: true, note: 'n', sizes: [1, 3] } }],
    ['defaults additionalProperties values', { spec: { env: { A: {} } } }, { spec: { engine: 'moby', running: true, note: 'n', env: { A: { value: 'v' } } } }],
    ['skips metadata', { metadata: { name: 'x' } }, { metadata: { name: 'x' }, spec: { engine: 'moby', running: true, note: 'n' } }],
  ])('%s', (_name, obj, expected) => {
    applyDefaults(schema, obj);
    expect(obj).toEqual(expected);
  });

  it('copies defaults instead of sharing them between objects', () => {
    const a: Record<string, { engine?: string }> = {};
    const b: Record<string, { engine?: string }> = {};
    applyDefaults(schema, a);
    applyDefaults(schema, b);
    a.spec.engine = 'changed';
    expect(b.spec.engine).toBe('moby');
    expect((schema.properties?.spec.default as Record<string, unknown>).engine).toBeUndefined();
  });
});

describe('pruneUnknownFields', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>, string[]]>([
    ['keeps known fields', { spec: { engine: 'moby', vm: { cpus: 1 } } }, { spec: { engine: 'moby', vm: { cpus: 1 } } }, []],
    ['drops unknown fields and reports them', { spec: { engine: 'moby', foo: 1, vm: { cpus: 1, bar: { x: 1 } } }, top: true }, { spec: { engine: 'moby', vm: { cpus: 1 } } }, ['.spec.foo', '.spec.vm.bar', '.top']],
    ['keeps apiVersion/kind/metadata at the root', { apiVersion: 'a/v1', kind: 'K', metadata: { name: 'x', weird: 1 } }, { apiVersion: 'a/v1', kind: 'K', metadata: { name: 'x', weird: 1 } }, []],
    ['indexes list items', { status: { conditions: [{ type: 'A' }, { type: 'B', junk: 1 }] } }, { status: { conditions: [{ type: 'A' }, { type: 'B' }] } }, ['.status.conditions[1].junk']],
    ['prunes inside additionalProperties values', { spec: { env: { A: { value: 'x', other: 1 } } } }, { spec: { env: { A: { value: 'x' } } } }, ['.spec.env.A.other']],
    ['preserve-unknown-fields keeps unknown but prunes known subtrees', { spec: { extra: { any: { deep: 1 }, known: { a: 'x', b: 2 } } } }, { spec: { extra: { any: { deep: 1 }, known: { a: 'x' } } } }, ['.spec.extra.known.b']],
    ['additionalProperties: true keeps everything', { spec: { labels: { a: 'b', c: { d: 1 } } } }, { spec: { labels: { a: 'b', c: { d: 1 } } } }, []],
    [
      'embedded resources keep their type meta',
      { spec: { template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { image: 'x', bogus: 1 }, bogus: 2 } } },
      { spec: { template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { image: 'x' } } } },
      ['.spec.template.spec.bogus', '.spec.template.bogus'],
    ],
  ])('%s', (_name, obj, expected, paths) => {
    expect(pruneUnknownFields(schema, obj)).toEqual(paths);
    expect(obj).toEqual(expected);
  });
});
