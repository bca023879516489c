import { describe, expect, it } from 'vitest';
import { AdmissionDenied, type AdmissionRequest } from '../../../../src/engine/kube/admission.js';
import { mirrorAdmission } from '../../../../src/engine/controllers/mirror/mirror-admission.js';

const hook = (kind: string) => mirrorAdmission.find((h) => h.kind === kind)!;

function update(kind: string, oldSpec: unknown, newSpec: unknown, subResource?: string): AdmissionRequest {
  const obj = (spec: unknown) => ({ apiVersion: 'containers.rancherdesktop.io/v1alpha1', kind, metadata: { name: 'x', namespace: 'rancher-desktop' }, spec }) as never;
  return {
    operation: 'UPDATE',
    group: 'containers.rancherdesktop.io',
    version: 'v1alpha1',
    kind,
    subResource,
    name: 'x',
    namespace: 'rancher-desktop',
    object: obj(newSpec),
    oldObject: obj(oldSpec),
    dryRun: false,
  };
}

describe('mirror admission', () => {
  it('covers Container, Image and Volume of the containers group', () => {
    expect(mirrorAdmission.map((h) => `${h.group}/${h.kind}`).sort()).toEqual([
      'containers.rancherdesktop.io/Container',
      'containers.rancherdesktop.io/Image',
      'containers.rancherdesktop.io/Volume',
    ]);
  });

  it.each(['running', 'created', 'paused', 'unknown'])('lets a Container spec.state change to %s', async (state) => {
    await expect(Promise.resolve(hook('Container').validate!(update('Container', { state: 'unknown' }, { state })))).resolves.toBeUndefined();
  });

  it('rejects an unlisted spec.state, naming the object', () => {
    expect(() => hook('Container').validate!(update('Container', { state: 'unknown' }, { state: 'exploded' }))).toThrow(
      /Container rancher-desktop\/x: spec.state: Unsupported value: "exploded"/,
    );
  });

  it('rejects any other Container spec change', () => {
    expect(() => hook('Container').validate!(update('Container', { state: 'unknown' }, { state: 'unknown', image: 'x' }))).toThrow(
      AdmissionDenied,
    );
  });

  it.each(['Image', 'Volume'])('keeps %s spec immutable but lets status and metadata writes through', (kind) => {
    expect(() => hook(kind).validate!(update(kind, undefined, { anything: 1 }))).toThrow(/spec is immutable/);
    expect(hook(kind).validate!(update(kind, undefined, undefined))).toBeUndefined();
    expect(hook(kind).validate!(update(kind, { a: 1 }, { a: 2 }, 'status'))).toBeUndefined();
  });

  it('lets the engine write Container status through /status', () => {
    expect(hook('Container').validate!(update('Container', { state: 'unknown' }, { state: 'bogus' }, 'status'))).toBeUndefined();
  });

  it.each(['Container', 'Image', 'Volume'])('lets only the engine controller create a %s mirror', (kind) => {
    const create = (fieldManager?: string): AdmissionRequest => ({ ...update(kind, undefined, {}), operation: 'CREATE', oldObject: undefined, fieldManager });
    expect(() => hook(kind).validate!(create())).toThrow(new RegExp(`${kind} rancher-desktop/x: ${kind} objects mirror the engine and are created only by it; use docker`));
    expect(() => hook(kind).validate!(create('kubectl-create'))).toThrow(AdmissionDenied);
    expect(hook(kind).validate!(create('rdd-engine-controller'))).toBeUndefined();
  });
});
