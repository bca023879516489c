import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ApplyConflictError, serverSideApply, type ServerSideApplyInput } from '../../../../../src/engine/apiserver/patch/server-side-apply.js';
import { trackUpdate } from '../../../../../src/engine/apiserver/patch/managed-fields.js';
import type { JSONSchemaProps } from '../../../../../src/engine/kube/json-schema.js';
import { crdDir } from '../../../../../src/engine/base/assets.js';
import type { KubeObject } from '../../../../../src/engine/kube/types.js';
import { API_VERSION, T0, T1, T2, app, cond, conditionTypes, managerNames, schema } from './ssa-fixtures.js';

function apply(live: KubeObject | undefined, applied: KubeObject, manager: string, extra: Partial<ServerSideApplyInput> = {}): KubeObject {
  return serverSideApply({ live, applied, manager, force: false, schema, apiVersion: API_VERSION, now: T1, ...extra });
}

function conflictOf(fn: () => unknown): ApplyConflictError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApplyConflictError) return err;
    throw err;
  }
  throw new Error('expected an ApplyConflictError');
}

describe('serverSideApply', () => {
  it('creates a missing object and records the applied fields (never server-owned metadata)', () => {
    const spec = { running: true, vm: { cpus: 2 }, volumes: { data: { size: 1 } }, extra: { free: { form: [1] } } };
    const obj = apply(undefined, app({ labels: { tier: 'x' }, spec }), 'rdd');
    expect(obj.spec).toEqual(spec);
    expect(obj.metadata.managedFields).toEqual([
      {
        manager: 'rdd',
        operation: 'Apply',
        apiVersion: API_VERSION,
        time: T1,
        fieldsType: 'FieldsV1',
        // Map entries (additionalProperties, undeclared fields) are members, declared structs are not.
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:tier': {} } },
          'f:spec': {
            'f:running': {},
            'f:vm': { 'f:cpus': {} },
            'f:volumes': { 'f:data': { '.': {}, 'f:size': {} } },
            'f:extra': { 'f:free': { '.': {}, 'f:form': {} } },
          },
        },
      },
    ]);
  });

  it('lets two controllers own their own entries of a list map, merging and never dropping each other', () => {
    let obj = apply(undefined, app({ spec: { running: true } }), 'user');
    obj = apply(obj, app({ status: { conditions: [cond('Running', 'True'), cond('Settled', 'False')] } }), 'app-ctl', { subresource: 'status' });
    obj = apply(obj, app({ status: { conditions: [cond('ContainerEngineReady', 'False')] } }), 'engine-ctl', { subresource: 'status' });
    expect(conditionTypes(obj)).toEqual(['Running=True', 'Settled=False', 'ContainerEngineReady=False']);

    obj = apply(obj, app({ status: { conditions: [cond('ContainerEngineReady', 'True')] } }), 'engine-ctl', { subresource: 'status' });
    obj = apply(obj, app({ status: { conditions: [cond('Settled', 'True')] } }), 'app-ctl', { subresource: 'status' });
    // app-ctl stopped applying Running: it goes; engine-ctl's entry stays.
    expect(conditionTypes(obj)).toEqual(['Settled=True', 'ContainerEngineReady=True']);
    const engine = obj.metadata.managedFields?.find((e) => e.manager === 'engine-ctl');
    expect(engine?.subresource).toBe('status');
    expect(engine?.fieldsV1).toEqual({
      'f:status': { 'f:conditions': { 'k:{"type":"ContainerEngineReady"}': { '.': {}, 'f:reason': {}, 'f:status': {}, 'f:type': {} } } },
    });
    expect(obj.spec).toEqual({ running: true });
  });

  it('reports a conflict when another applier owns a field with a different value', () => {
    const live = apply(undefined, app({ spec: { running: true, engine: 'moby' } }), 'manager-x');
    const err = conflictOf(() => apply(live, app({ spec: { running: false } }), 'other'));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "manager-x": .spec.running');
    expect(err.conflicts).toEqual([{ manager: 'manager-x', field: '.spec.running', message: 'conflict with "manager-x"' }]);
  });

  it('lists several conflicts per manager, Update managers with version and time', () => {
    let live = apply(undefined, app({ spec: { running: true, engine: 'moby' } }), 'a');
    const edited = app({ spec: { running: true, engine: 'moby', vm: { cpus: 1 } } });
    edited.metadata.managedFields = trackUpdate({ live, updated: edited, manager: 'kubectl-edit', schema, apiVersion: 'v1', now: T2, operation: 'Update' });
    live = edited;
    const err = conflictOf(() => apply(live, app({ spec: { running: false, engine: 'containerd', vm: { cpus: 4 } } }), 'b'));
    expect(err.message).toBe(
      'Apply failed with 3 conflicts: conflict with "a":\n- .spec.engine\n- .spec.running\n' +
        `conflict with "kubectl-edit" using v1 at ${T2}:\n- .spec.vm.cpus`,
    );
  });

  it('shares ownership when the same value is applied, and force takes fields over', () => {
    let obj = apply(undefined, app({ spec: { running: true } }), 'a');
    obj = apply(obj, app({ spec: { running: true } }), 'b');
    expect(managerNames(obj)).toEqual(['a/Apply', 'b/Apply']);
    obj = apply(obj, app({ spec: { running: false } }), 'c', { force: true });
    expect(obj.spec?.running).toBe(false);
    expect(managerNames(obj)).toEqual(['c/Apply']);
  });

  it('removes fields the manager stopped applying unless another manager owns them', () => {
    let obj = apply(undefined, app({ spec: { running: true, engine: 'moby', args: ['a'] } }), 'a');
    obj = apply(obj, app({ spec: { engine: 'moby' } }), 'b');
    obj = apply(obj, app({ spec: { running: true } }), 'a');
    expect(obj.spec).toEqual({ running: true, engine: 'moby' });
    obj = apply(obj, app({ spec: {} }), 'b');
    expect(obj.spec).toEqual({ running: true });
  });

  it('merges sets by value and replaces atomic lists and maps', () => {
    let obj = apply(undefined, app({ spec: { tags: ['a', 'b'], args: ['x', 'y'], env: { A: '1', B: '2' } } }), 'one');
    obj = apply(obj, app({ spec: { tags: ['c', 'a'] } }), 'two');
    expect(obj.spec?.tags).toEqual(['a', 'b', 'c']);
    obj = apply(obj, app({ spec: { args: ['z'], env: { C: '3' } } }), 'one', { force: true });
    expect(obj.spec).toEqual({ tags: ['a', 'c'], args: ['z'], env: { C: '3' } });
  });

  it('gives fields of an untracked object to before-first-apply', () => {
    const live = app({ spec: { running: true } });
    const err = conflictOf(() => apply(live, app({ spec: { running: false } }), 'rdd'));
    expect(err.message).toBe(`Apply failed with 1 conflict: conflict with "before-first-apply" using ${API_VERSION}: .spec.running`);
    expect(managerNames(apply(live, app({ spec: { engine: 'moby' } }), 'rdd'))).toEqual(['rdd/Apply', 'before-first-apply/Update']);
  });

  it('keeps the timestamp of a no-op apply and modifies no input', () => {
    const first = apply(undefined, app({ spec: { running: true } }), 'a');
    const snapshot = structuredClone(first);
    const applied = app({ spec: { running: true } });
    const again = serverSideApply({ live: first, applied, manager: 'a', force: false, schema, apiVersion: API_VERSION, now: T2 });
    expect(again.metadata.managedFields?.[0].time).toBe(T1);
    expect(first).toEqual(snapshot);
    expect(applied).toEqual(app({ spec: { running: true } }));
  });

  it('keeps one entry per manager, operation and subresource', () => {
    let obj = apply(undefined, app({ spec: { running: true } }), 'rdd', { now: T0 });
    obj = apply(obj, app({ status: { conditions: [cond('Running', 'True')] } }), 'rdd', { subresource: 'status' });
    expect(obj.metadata.managedFields?.map((e) => [e.manager, e.subresource ?? ''])).toEqual([
      ['rdd', ''],
      ['rdd', 'status'],
    ]);
  });
});

describe('serverSideApply reset fields', () => {
  it('ignores everything but status through the status subresource', () => {
    const live = apply(undefined, app({ spec: { running: true } }), 'user');
    const obj = apply(live, app({ labels: { x: 'y' }, spec: { running: false }, status: { conditions: [cond('Running', 'True')] } }), 'ctl', {
      subresource: 'status',
    });
    expect(obj.spec).toEqual({ running: true });
    expect(obj.metadata.labels).toBeUndefined();
    expect(obj.metadata.managedFields?.find((e) => e.manager === 'ctl')?.fieldsV1).toEqual({
      'f:status': { 'f:conditions': { 'k:{"type":"Running"}': { '.': {}, 'f:reason': {}, 'f:status': {}, 'f:type': {} } } },
    });
  });

  it('keeps the time of a repeated status apply', () => {
    const live = apply(undefined, app({ spec: { running: true } }), 'user');
    const applied = app({ status: { conditions: [cond('Running', 'True')] } });
    const first = apply(live, applied, 'ctl', { subresource: 'status' });
    const again = apply(first, applied, 'ctl', { subresource: 'status', now: T2 });
    expect(again.metadata.managedFields?.find((e) => e.manager === 'ctl')?.time).toBe(T1);
    expect(again).toEqual(first);
  });

  it('does not let the main resource own reset fields', () => {
    const obj = apply(undefined, app({ spec: { running: true }, status: { conditions: [cond('Running', 'True')] } }), 'user', { resetFields: ['status'] });
    expect(obj.status).toBeUndefined();
    expect(obj.metadata.managedFields?.[0].fieldsV1).toEqual({ 'f:spec': { 'f:running': {} } });
  });
});

describe('serverSideApply with the real App CRD', () => {
  it('merges the condition writes of the app and engine controllers', async () => {
    const crd = parse(await readFile(`${crdDir}/app.yaml`, 'utf8')) as { spec: { versions: { schema: { openAPIV3Schema: JSONSchemaProps } }[] } };
    const appSchema = crd.spec.versions[0].schema.openAPIV3Schema;
    const status = (manager: string, live: KubeObject, ...conditions: ReturnType<typeof cond>[]): KubeObject =>
      serverSideApply({ live, applied: app({ status: { conditions } }), manager, force: true, schema: appSchema, subresource: 'status', apiVersion: API_VERSION, now: T1 });
    let obj = apply(undefined, app({ spec: { running: true } }), 'rdd');
    obj = status('rdd-app-controller', obj, cond('Running', 'False'), cond('Settled', 'False'));
    obj = status('rdd-engine-controller', obj, cond('ContainerEngineReady', 'False'));
    obj = status('rdd-app-controller', obj, cond('Running', 'True'), cond('Settled', 'False'));
    obj = status('rdd-engine-controller', obj, cond('ContainerEngineReady', 'True'));
    obj = status('rdd-app-controller', obj, cond('Running', 'True'), cond('Settled', 'True'));
    expect(conditionTypes(obj)).toEqual(['Running=True', 'Settled=True', 'ContainerEngineReady=True']);
  });
});
