import { isDeepStrictEqual } from 'node:util';
import { AdmissionDenied, AdmissionForbidden, type AdmissionHook, type AdmissionRequest } from '../../kube/admission.js';
import { APP, CONTAINER, CONTAINERS_GROUP, IMAGE, NAMESPACE, VOLUME, type ResourceRef } from '../../kube/resources.js';
import { CONTAINER_STATES, DEFAULT_API_NAMESPACE, MIRROR_FINALIZER } from '../../kube/containers.js';
import { ENGINE_CONTROLLER_MANAGER, type AppObject } from '../../kube/app.js';
import { kubeLabelsOf } from './mapping.js';

/*
 * Mirrors reflect the engine; users may only express intent through a
 * Container's spec.state, delete a mirror (which removes the engine object)
 * and keep their own labels and annotations on it. Only the engine
 * controller — the daemon's in-process requests (AdmissionRequest.inProcess),
 * which no HTTPS client can make — creates mirrors, writes their status and
 * removes their finalizer: a hand-written mirror would name nothing in the
 * engine, a hand-written status would lie, and a mirror without its
 * finalizer could vanish while its engine object lives on.
 */

const HOW_TO_CREATE: Record<string, string> = {
  Container: 'docker create / docker run',
  Image: 'docker pull / docker tag',
  Volume: 'docker volume create',
};

/** What a user may change on a mirror of this kind, for the refusals' messages. */
const USER_MAY: Record<string, string> = {
  Container: 'spec.state (and its own labels and annotations)',
  Image: 'only its own labels and annotations, or delete it',
  Volume: 'only its own labels and annotations, or delete it',
};

function forbiddenWrite(ref: ResourceRef, req: AdmissionRequest, what: string, field: string): AdmissionDenied {
  return new AdmissionDenied(`${ref.kind} ${req.namespace}/${req.name}: ${what} is written by the engine only; you may change ${USER_MAY[ref.kind]}`, {
    code: 403,
    causes: [{ reason: 'FieldValueForbidden', field, message: `written by the engine only` }],
  });
}

/** The engine controller's field manager names its own writes; an outside client may not borrow it. */
function denyBorrowedManager(ref: ResourceRef, req: AdmissionRequest): void {
  if (req.inProcess || req.fieldManager !== ENGINE_CONTROLLER_MANAGER) return;
  throw new AdmissionDenied(`${ref.kind} ${req.namespace}/${req.name}: the field manager ${ENGINE_CONTROLLER_MANAGER} is the engine controller's own`, {
    code: 403,
    causes: [{ reason: 'FieldValueForbidden', field: 'fieldManager', message: `${ENGINE_CONTROLLER_MANAGER} is reserved` }],
  });
}

function denyHandWrittenCreate(ref: ResourceRef, req: AdmissionRequest): void {
  if (req.operation !== 'CREATE' || req.inProcess) return;
  throw new AdmissionDenied(
    `${ref.kind} ${req.namespace}/${req.name}: ${ref.kind} objects mirror the engine and are created only by it; use ${HOW_TO_CREATE[ref.kind]}`,
    { code: 403, causes: [{ reason: 'FieldValueForbidden', field: 'metadata.name', message: `${ref.kind} mirrors are created by the engine` }] },
  );
}

/** Status and the mirror finalizer are the engine controller's alone. */
function denyEngineFields(ref: ResourceRef, req: AdmissionRequest): void {
  if (req.operation !== 'UPDATE' || req.inProcess) return;
  if (req.subResource === 'status') throw forbiddenWrite(ref, req, 'status', 'status');
  const had = req.oldObject?.metadata.finalizers?.includes(MIRROR_FINALIZER) ?? false;
  const has = req.object?.metadata.finalizers?.includes(MIRROR_FINALIZER) ?? false;
  if (had && !has) throw forbiddenWrite(ref, req, `the finalizer ${MIRROR_FINALIZER}`, 'metadata.finalizers');
}

function isSpecUpdate(req: AdmissionRequest): boolean {
  return req.operation === 'UPDATE' && req.subResource === undefined;
}

function withoutState(spec: Record<string, unknown> | undefined): Record<string, unknown> {
  const { state: _state, ...rest } = spec ?? {};
  return rest;
}

/** The guards every mirror kind shares, before its own spec rule. */
function guardMirror(ref: ResourceRef, req: AdmissionRequest): void {
  denyBorrowedManager(ref, req);
  denyHandWrittenCreate(ref, req);
  denyEngineFields(ref, req);
}

/**
 * The engine object's Docker labels that are valid Kubernetes labels are the
 * mirror's labels too (docs/containers-api.md#labels): set on every write,
 * so they follow the status and a client cannot make them disagree with it.
 */
function mirrorDockerLabels(req: AdmissionRequest): void {
  // Mutating hooks run only from admit() (create and update), which always passes the object.
  const obj = req.object!;
  const docker = kubeLabelsOf(obj.status?.labels);
  if (Object.keys(docker).length === 0) return;
  obj.metadata.labels = { ...obj.metadata.labels, ...docker };
}

const containerHook: AdmissionHook = {
  name: 'containers.containers.rancherdesktop.io',
  group: CONTAINERS_GROUP,
  kind: CONTAINER.kind,
  mutate: mirrorDockerLabels,
  validate(req) {
    guardMirror(CONTAINER, req);
    if (!isSpecUpdate(req)) return;
    // Stryker disable next-line OptionalChaining: an UPDATE always carries both objects.
    const spec = req.object?.spec;
    // Stryker disable next-line OptionalChaining: as above.
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
    mutate: mirrorDockerLabels,
    validate(req) {
      guardMirror(ref, req);
      if (!isSpecUpdate(req)) return;
      // Stryker disable next-line OptionalChaining: an UPDATE always carries both objects.
      if (!isDeepStrictEqual(req.oldObject?.spec ?? {}, req.object?.spec ?? {})) {
        throw new AdmissionDenied(`${ref.kind} ${req.namespace}/${req.name}: spec is immutable`, {
          causes: [{ reason: 'FieldValueForbidden', field: 'spec', message: 'field is immutable' }],
        });
      }
    },
  };
}

/** The namespaces mirrors live in: the default one and every App's spec.namespace. */
function mirrorNamespaces(req: AdmissionRequest): Set<string> {
  const apps = (req.listStored?.(APP) ?? []) as AppObject[];
  return new Set([DEFAULT_API_NAMESPACE, ...apps.flatMap((app) => app.spec?.namespace ?? [])]);
}

/**
 * Deleting the mirrors' namespace would delete every mirror at once, and
 * with them every container, image and volume of the engine. It stays, as
 * kube keeps `default`; deleting the mirrors one kind at a time is explicit
 * and stays possible.
 */
const mirrorNamespaceHook: AdmissionHook = {
  name: 'namespaces.containers.rancherdesktop.io',
  group: NAMESPACE.group,
  kind: NAMESPACE.kind,
  validate(req) {
    if (req.operation !== 'DELETE' || !mirrorNamespaces(req).has(req.name)) return;
    throw new AdmissionForbidden(
      `this namespace may not be deleted: it holds the engine's mirrors; delete those one kind at a time (kubectl delete containers --all -n ${req.name})`,
    );
  },
};

export const mirrorAdmission: AdmissionHook[] = [containerHook, immutableSpecHook(IMAGE), immutableSpecHook(VOLUME), mirrorNamespaceHook];
