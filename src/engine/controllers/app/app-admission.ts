import { AdmissionDenied, type AdmissionHook, type AdmissionRequest } from '../../kube/admission.js';
import type { AppObject } from '../../kube/app.js';
import { APP, APP_GROUP, APP_NAME } from '../../kube/resources.js';
import type { StatusCause } from '../../kube/types.js';

export interface HostPlatform {
  platform: NodeJS.Platform;
  arch: string;
}

/** Checks the schema cannot express: the singleton name, host-dependent settings, the immutable namespace. */
function violations(request: AdmissionRequest, host: HostPlatform): StatusCause[] {
  const causes: StatusCause[] = [];
  if (request.operation === 'CREATE' && request.name !== APP_NAME) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `Invalid value: "${request.name}": the App is a singleton and must be named "${APP_NAME}"`,
    });
  }
  const app = request.object as AppObject | undefined;
  const spec = app?.spec;
  if (spec?.vm?.driver === 'native' && host.platform !== 'linux') {
    causes.push({
      reason: 'FieldValueNotSupported',
      field: 'spec.vm.driver',
      message: `Unsupported value: "native": the native driver runs only on Linux (this host is ${host.platform}); use "lima" or "auto"`,
    });
  }
  if (spec?.vm?.rosetta === true && !(host.platform === 'darwin' && host.arch === 'arm64')) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.vm.rosetta',
      message: `Invalid value: true: Rosetta needs a Lima vz VM on Apple silicon (this host is ${host.platform}/${host.arch})`,
    });
  } else if (spec?.vm?.rosetta === true && spec.vm.driver === 'native') {
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.vm.rosetta', message: 'Invalid value: true: Rosetta needs a VM; the native driver has none' });
  }
  const old = request.oldObject as AppObject | undefined;
  if (request.operation === 'UPDATE' && old?.spec?.namespace !== undefined && spec?.namespace !== old.spec.namespace) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.namespace',
      message: `Invalid value: "${spec?.namespace ?? ''}": field is immutable (it is "${old.spec.namespace}")`,
    });
  }
  return causes;
}

/** Admission for the App, as a kube-apiserver validating webhook would do it (docs/app-api.md). */
export function createAppAdmission(host: HostPlatform = { platform: process.platform, arch: process.arch }): AdmissionHook {
  return {
    name: 'app.rancherdesktop.io',
    group: APP_GROUP,
    kind: APP.kind,
    validate(request) {
      if (request.subResource === 'status' || request.operation === 'DELETE') return;
      const causes = violations(request, host);
      if (causes.length === 0) return;
      const details = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
      throw new AdmissionDenied(`App.${APP_GROUP} "${request.name}" is invalid: ${details}`, { causes });
    },
  };
}

export const appAdmission: AdmissionHook = createAppAdmission();
