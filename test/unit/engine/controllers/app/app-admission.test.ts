import { describe, expect, it } from 'vitest';
import { AdmissionDenied, type AdmissionRequest } from '../../../../../src/engine/kube/admission.js';
import { createAppAdmission } from '../../../../../src/engine/controllers/app/app-admission.js';
import type { AppObject } from '../../../../../src/engine/kube/app.js';

const linux = createAppAdmission({ platform: 'linux', arch: 'x64' });
const mac = createAppAdmission({ platform: 'darwin', arch: 'arm64' });
const app = (name: string, spec: AppObject['spec']): AppObject => ({ apiVersion: 'app.rancherdesktop.io/v1alpha1', kind: 'App', metadata: { name }, spec });
const req = (operation: AdmissionRequest['operation'], object: AppObject, oldObject?: AppObject, subResource?: string): AdmissionRequest => ({
  operation,
  group: 'app.rancherdesktop.io',
  version: 'v1alpha1',
  kind: 'App',
  name: object.metadata.name!,
  object,
  oldObject,
  subResource,
  dryRun: false,
});
const base = { namespace: 'rancher-desktop', vm: { driver: 'auto' as const, rosetta: false } };

function denial(hook: typeof linux, request: AdmissionRequest): AdmissionDenied | undefined {
  try {
    void hook.validate!(request);
  } catch (err) {
    if (err instanceof AdmissionDenied) return err;
    throw err;
  }
  return undefined;
}

describe('appAdmission', () => {
  it.each([
    ['create named app', linux, req('CREATE', app('app', base)), undefined],
    ['create with another name', linux, req('CREATE', app('other', base)), 'metadata.name'],
    ['native driver on macOS', mac, req('CREATE', app('app', { ...base, vm: { driver: 'native' } })), 'spec.vm.driver'],
    ['native driver on Linux', linux, req('CREATE', app('app', { ...base, vm: { driver: 'native' } })), undefined],
    ['rosetta on Linux', linux, req('CREATE', app('app', { ...base, vm: { rosetta: true } })), 'spec.vm.rosetta'],
    ['rosetta on Apple silicon', mac, req('CREATE', app('app', { ...base, vm: { driver: 'lima', rosetta: true } })), undefined],
    ['namespace change', linux, req('UPDATE', app('app', { ...base, namespace: 'other' }), app('app', base)), 'spec.namespace'],
    ['other change', linux, req('UPDATE', app('app', { ...base, running: true }), app('app', base)), undefined],
    ['status writes are not checked', linux, req('UPDATE', app('app', { ...base, namespace: 'x' }), app('app', base), 'status'), undefined],
  ] as const)('%s', (_n, hook, request, field) => {
    const denied = denial(hook, request);
    if (field === undefined) {
      expect(denied).toBeUndefined();
    } else {
      expect(denied?.code).toBe(422);
      expect(denied?.causes.map((c) => c.field)).toEqual([field]);
      expect(denied?.message).toMatch(/^App\.app\.rancherdesktop\.io ".*" is invalid: /);
    }
  });
});
