import { describe, expect, it } from 'vitest';
import { trackUpdate, type TrackUpdateInput } from '../../../../../src/engine/apiserver/patch/managed-fields.js';
import { serverSideApply } from '../../../../../src/engine/apiserver/patch/server-side-apply.js';
import { FieldSet, formatPath } from '../../../../../src/engine/apiserver/patch/field-set.js';
import { compare } from '../../../../../src/engine/apiserver/patch/typed-value.js';
import type { KubeObject } from '../../../../../src/engine/kube/types.js';
import { API_VERSION, T0, T1, T2, app, cond, schema } from './ssa-fixtures.js';

function update(live: KubeObject | undefined, updated: KubeObject, manager: string, extra: Partial<TrackUpdateInput> = {}): KubeObject {
  const next = structuredClone(updated);
  next.metadata.managedFields = trackUpdate({ live, updated, manager, schema, apiVersion: API_VERSION, now: T1, operation: 'Update', ...extra });
  return next;
}

const fieldsOf = (obj: KubeObject, manager: string): unknown => obj.metadata.managedFields?.find((e) => e.manager === manager)?.fieldsV1;

describe('trackUpdate', () => {
  it('gives a creator every field it set', () => {
    const obj = update(undefined, app({ labels: { a: 'b' }, spec: { running: true, tags: ['x'] } }), 'kubectl-create');
    expect(obj.metadata.managedFields).toEqual([
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: API_VERSION,
        time: T1,
        fieldsType: 'FieldsV1',
        // Like kube, a write owns the maps and lists it created (`.`), but never metadata itself.
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } },
          'f:spec': { '.': {}, 'f:running': {}, 'f:tags': { '.': {}, 'v:"x"': {} } },
        },
      },
    ]);
  });

  it('moves changed fields from their owner to the writer and drops emptied entries', () => {
    const applied = serverSideApply({
      applied: app({ spec: { running: true, engine: 'moby' } }),
      manager: 'rdd',
      force: false,
      schema,
      apiVersion: API_VERSION,
      now: T0,
    });
    const edited = update(applied, app({ spec: { running: false, engine: 'moby' } }), 'kubectl-edit');
    expect(fieldsOf(edited, 'rdd')).toEqual({ 'f:spec': { 'f:engine': {} } });
    expect(fieldsOf(edited, 'kubectl-edit')).toEqual({ 'f:spec': { 'f:running': {} } });
    const again = update(edited, app({ spec: { running: false, engine: 'containerd' } }), 'kubectl-edit', { now: T2 });
    expect(again.metadata.managedFields?.map((e) => [e.manager, e.time])).toEqual([['kubectl-edit', T2]]);
  });

  it('takes removed fields away from everyone', () => {
    const created = update(undefined, app({ spec: { running: true, vm: { cpus: 1, memoryGiB: 2 } } }), 'a');
    const trimmed = update(created, app({ spec: { running: true, vm: { cpus: 1 } } }), 'b');
    expect(fieldsOf(trimmed, 'a')).toEqual({ 'f:spec': { '.': {}, 'f:running': {}, 'f:vm': { '.': {}, 'f:cpus': {} } } });
    expect(fieldsOf(trimmed, 'b')).toBeUndefined();
  });

  it('leaves entries and times alone when nothing changed', () => {
    const created = update(undefined, app({ spec: { running: true } }), 'a', { now: T0 });
    const same = update(created, created, 'b', { now: T2 });
    expect(same.metadata.managedFields).toEqual(created.metadata.managedFields);
  });

  it('ignores server-owned metadata', () => {
    const created = update(undefined, app({ spec: { running: true } }), 'a', { now: T0 });
    const bumped = structuredClone(created);
    Object.assign(bumped.metadata, { resourceVersion: '9', generation: 2, uid: 'u', creationTimestamp: T0 });
    expect(update(created, bumped, 'b').metadata.managedFields).toEqual(created.metadata.managedFields);
  });

  it('tracks status writes under their subresource and keys list-map items', () => {
    const created = update(undefined, app({ spec: { running: true } }), 'a', { now: T0 });
    const withStatus = update(created, { ...created, status: { conditions: [cond('Running', 'True')] } }, 'ctl', { subresource: 'status' });
    const entry = withStatus.metadata.managedFields?.find((e) => e.manager === 'ctl');
    expect(entry?.subresource).toBe('status');
    expect(entry?.fieldsV1).toEqual({
      'f:status': { '.': {}, 'f:conditions': { '.': {}, 'k:{"type":"Running"}': { '.': {}, 'f:reason': {}, 'f:status': {}, 'f:type': {} } } },
    });
  });

  it('honours managedFields set by the request, and [{}] resets them', () => {
    const created = update(undefined, app({ spec: { running: true } }), 'a', { now: T0 });
    const reset = app({ spec: { running: true } });
    reset.metadata.managedFields = [{} as never];
    expect(update(created, reset, 'b').metadata.managedFields).toEqual([]);
  });
});

describe('FieldSet', () => {
  const v1 = { 'f:spec': { '.': {}, 'f:a': {}, 'f:b': { 'f:c': {} } }, 'f:status': { 'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:status': {} } } } };

  it('round-trips FieldsV1', () => {
    expect(FieldSet.fromFieldsV1(v1).toFieldsV1()).toEqual(v1);
  });

  it.each([
    ['union', { 'f:spec': { 'f:a': {} } }, { 'f:spec': { 'f:b': {} } }, { 'f:spec': { 'f:a': {}, 'f:b': {} } }],
    ['difference', { 'f:spec': { 'f:a': {}, 'f:b': {} } }, { 'f:spec': { 'f:b': {} } }, { 'f:spec': { 'f:a': {} } }],
    ['intersection', { 'f:spec': { 'f:a': {}, 'f:b': {} } }, { 'f:spec': { 'f:b': {}, 'f:c': {} } }, { 'f:spec': { 'f:b': {} } }],
    ['difference', { 'f:spec': { '.': {}, 'f:a': {} } }, { 'f:spec': {} }, { 'f:spec': { 'f:a': {} } }],
    ['union', { 'f:spec': { 'f:a': {} } }, { 'f:status': { 'f:x': { 'f:y': {} } } }, { 'f:spec': { 'f:a': {} }, 'f:status': { 'f:x': { 'f:y': {} } } }],
    ['difference', { 'f:spec': { 'f:a': {} }, 'f:status': { 'f:x': {} } }, { 'f:spec': { 'f:a': {} }, 'f:meta': { 'f:z': {} } }, { 'f:status': { 'f:x': {} } }],
    ['intersection', { 'f:spec': { 'f:a': {} }, 'f:status': { 'f:x': {} } }, { 'f:spec': { '.': {}, 'f:a': {} }, 'f:meta': { 'f:z': {} } }, { 'f:spec': { 'f:a': {} } }],
  ] as const)('%s', (op, a, b, expected) => {
    expect(FieldSet.fromFieldsV1(a)[op](FieldSet.fromFieldsV1(b)).toFieldsV1()).toEqual(expected);
  });

  it('gives results that share nothing with the operands', () => {
    const a = FieldSet.fromFieldsV1({ 'f:spec': { 'f:a': {} } });
    const b = FieldSet.fromFieldsV1({ 'f:status': { 'f:x': {} } });
    const union = a.union(b);
    union.insert(['f:spec', 'f:new']);
    union.insert(['f:status', 'f:new']);
    expect(a.toFieldsV1()).toEqual({ 'f:spec': { 'f:a': {} } });
    expect(b.toFieldsV1()).toEqual({ 'f:status': { 'f:x': {} } });
  });

  it.each([
    [['f:spec', 'f:running'], '.spec.running'],
    [['f:status', 'f:conditions', 'k:{"type":"Ready"}', 'f:status'], '.status.conditions[type="Ready"].status'],
    [['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}'], '.spec.ports[port=80,protocol="TCP"]'],
    [['f:spec', 'f:tags', 'v:"a"'], '.spec.tags[="a"]'],
    [['f:spec', 'f:args', 'i:2'], '.spec.args[2]'],
  ])('formats %j as %s', (path, expected) => {
    expect(formatPath(path)).toBe(expected);
  });
});

describe('compare', () => {
  const v1 = (c: ReturnType<typeof compare>) => ({ added: c.added.toFieldsV1(), removed: c.removed.toFieldsV1(), modified: c.modified.toFieldsV1() });

  it('finds changed leaves inside list-map items, sets and maps, by key rather than position', () => {
    const before = app({ spec: { running: true, tags: ['a', 'b'], vm: { cpus: 1 } }, status: { conditions: [cond('A', 'True'), cond('B', 'False')] } });
    const after = app({ spec: { running: false, tags: ['b', 'c'], vm: { cpus: 1 } }, status: { conditions: [cond('B', 'True'), cond('A', 'True')] } });
    expect(v1(compare(before, after, schema))).toEqual({
      added: { 'f:spec': { 'f:tags': { 'v:"c"': {} } } },
      removed: { 'f:spec': { 'f:tags': { 'v:"a"': {} } } },
      modified: { 'f:spec': { 'f:running': {} }, 'f:status': { 'f:conditions': { 'k:{"type":"B"}': { 'f:status': {} } } } },
    });
  });

  it('compares the first of list-map items sharing a key, as kube locates them', () => {
    const before = app({ status: { conditions: [cond('A', 'True'), cond('A', 'False')] } });
    const after = app({ status: { conditions: [cond('A', 'True'), cond('A', 'Unknown')] } });
    expect(compare(before, after, schema).modified.isEmpty()).toBe(true);
  });
});
