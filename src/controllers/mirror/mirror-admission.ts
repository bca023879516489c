import { isDeepStrictEqual } from 'node:util';
import { AdmissionDenied, type AdmissionHook, type AdmissionRequest } from '../../kube/admission.js';
import { CONTAINER, CONTAINERS_GROUP, IMAGE, VOLUME, type ResourceRef } from '../../kube/resources.js';
import { CONTAINER_STATES } from '../../kube/containers.js';

/*
 * Mirrors reflect the engine; users may only express intent through a
 * Container's spec.state. Status writes (the engine's, through /status) and
 * metadata changes (labels, finalizers) are not spec and pass.
 */

function isSpecUpdate(req: AdmissionRequest): boolean {
  return req.operation === 'UPDATE' && req.subResource === undefined;
}

function withoutState(spec: Record<string, unknown> | undefined): Record<string, unknown> {
  const { state: _state, ...rest } = spec ?? {};
  return rest;
}

const containerHook: AdmissionHook = {
  name: 'containers.containers.rancherdesktop.io',
  group: CONTAINERS_GROUP,
  kind: CONTAINER.kind,
  validate(req) {
    if (!isSpecUpdate(req)) return;
    const spec = req.object?.spec;
    if (!isDeepStrictEqual(withoutState(req.oldObject?.spec), withoutState(spec))) {
      throw new AdmissionDenied(`Container ${req.namespace}/${req.name}: only spec.state may change`, {
        causes: [{ reason: 'FieldValueForbidden', field: 'spec', message: 'only spec.state may change' }],
      });
    }
    const state = spec?.state;
    if (state !== undefined && !(CONTAINER_STATES as readonly unknown[]).includes(state)) {
      const supported = CONTAINER_STATES.map((s) => `"${s}"`).join(', ');
      throw new AdmissionDenied(
        `Container ${req.namespace}/${req.name}: spec.state: Unsupported value: ${JSON.stringify(state)}: supported values: ${supported}`,
        { causes: [{ reason: 'FieldValueNotSupported', field: 'spec.state', message: `supported values: ${supported}` }] },
      );
    }
  },
};

function immutableSpecHook(ref: ResourceRef): AdmissionHook {
  return {
    name: `${ref.plural}.${CONTAINERS_GROUP}`,
    group: CONTAINERS_GROUP,
    kind: ref.kind,
    validate(req) {
      if (!isSpecUpdate(req)) return;
      if (!isDeepStrictEqual(req.oldObject?.spec ?? {}, req.object?.spec ?? {})) {
        throw new AdmissionDenied(`${ref.kind} ${req.namespace}/${req.name}: spec is immutable`, {
          causes: [{ reason: 'FieldValueForbidden', field: 'spec', message: 'field is immutable' }],
        });
      }
    },
  };
}

export const mirrorAdmission: AdmissionHook[] = [containerHook, immutableSpecHook(IMAGE), immutableSpecHook(VOLUME)];
