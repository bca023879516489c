import { isDeepStrictEqual } from 'node:util';
import { AdmissionDenied, type AdmissionHook, type AdmissionRequest } from '../../kube/admission.js';
import { CONTAINER, CONTAINERS_GROUP, IMAGE, VOLUME, type ResourceRef } from '../../kube/resources.js';
import { CONTAINER_STATES } from '../../kube/containers.js';
import { ENGINE_CONTROLLER_MANAGER } from '../../kube/app.js';

/*
 * Mirrors reflect the engine; users may only express intent through a
 * Container's spec.state. Status writes (the engine's, through /status) and
 * metadata changes (labels, finalizers) are not spec and pass. Only the engine
 * controller creates mirrors: a hand-written one would name nothing in the
 * engine, and the engine controller would then act on it.
 */

const HOW_TO_CREATE: Record<string, string> = {
  Container: 'docker create / docker run',
  Image: 'docker pull / docker tag',
  Volume: 'docker volume create',
};

function denyHandWrittenCreate(ref: ResourceRef, req: AdmissionRequest): void {
  if (req.operation !== 'CREATE' || req.fieldManager === ENGINE_CONTROLLER_MANAGER) return;
  throw new AdmissionDenied(
    `${ref.kind} ${req.namespace}/${req.name}: ${ref.kind} objects mirror the engine and are created only by it; use ${HOW_TO_CREATE[ref.kind]}`,
    { code: 403, causes: [{ reason: 'FieldValueForbidden', field: 'metadata.name', message: `${ref.kind} mirrors are created by the engine` }] },
  );
}

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
    denyHandWrittenCreate(CONTAINER, req);
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
      denyHandWrittenCreate(ref, req);
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
