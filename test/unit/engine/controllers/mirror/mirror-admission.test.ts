import { describe, expect, it } from 'vitest';
import { AdmissionDenied, AdmissionForbidden, type AdmissionRequest } from '../../../../../src/engine/kube/admission.js';
import { mirrorAdmission } from '../../../../../src/engine/controllers/mirror/mirror-admission.js';

const hook = (kind: string) => mirrorAdmission.find((h) => h.kind === kind)!;
const nsHook = mirrorAdmission.find((h) => h.kind === 'Namespace')!;

/** A request on a Namespace while the store holds one App with this spec (none: an App without a spec). */
function namespaceRequest(operation: 'DELETE' | 'UPDATE', name: string, appSpec?: Record<string, unknown>): AdmissionRequest {
  const app = { apiVersion: 'app.rancherdesktop.io/v1alpha1', kind: 'App', metadata: { name: 'app' }, ...(appSpec ? { spec: appSpec } : {}) };
  return { operation, group: '', version: 'v1', kind: 'Namespace', name, dryRun: false, inProcess: true, listStored: () => [app] };
}

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
  it('covers Container, Image and Volume of the containers group, and the core Namespace', () => {
    expect(mirrorAdmission.map((h) => `${h.group}/${h.kind}`).sort()).toEqual([
      '/Namespace',
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

  it.each(['Image', 'Volume'])('keeps %s spec immutable but lets the engine\'s status and metadata writes through', (kind) => {
    expect(() => hook(kind).validate!(update(kind, undefined, { anything: 1 }))).toThrow(/spec is immutable/);
    expect(hook(kind).validate!(update(kind, undefined, undefined))).toBeUndefined();
    expect(hook(kind).validate!({ ...update(kind, { a: 1 }, { a: 2 }, 'status'), inProcess: true })).toBeUndefined();
  });

  it('lets the engine write Container status through /status', () => {
    expect(hook('Container').validate!({ ...update('Container', { state: 'unknown' }, { state: 'bogus' }, 'status'), inProcess: true })).toBeUndefined();
  });

  it.each(['Container', 'Image', 'Volume'])('lets only the engine controller (in-process) create a %s mirror', (kind) => {
    const create = (fieldManager?: string, inProcess?: boolean): AdmissionRequest => ({
      ...update(kind, undefined, {}),
      operation: 'CREATE',
      oldObject: undefined,
      fieldManager,
      inProcess,
    });
    expect(() => hook(kind).validate!(create())).toThrow(new RegExp(`${kind} rancher-desktop/x: ${kind} objects mirror the engine and are created only by it; use docker`));
    expect(() => hook(kind).validate!(create('kubectl-create'))).toThrow(AdmissionDenied);
    // The manager's name proves nothing: an HTTPS client may send any.
    expect(() => hook(kind).validate!(create('rdd-engine-controller'))).toThrow(/the field manager rdd-engine-controller is the engine controller's own/);
    expect(hook(kind).validate!(create('rdd-engine-controller', true))).toBeUndefined();
  });

  it.each(['Container', 'Image', 'Volume'])('lets only the engine controller write a %s status, naming what a user may change', (kind) => {
    const write = (inProcess?: boolean): AdmissionRequest => ({ ...update(kind, { state: 'unknown' }, { state: 'unknown' }, 'status'), inProcess });
    const denial = (() => {
      try {
        hook(kind).validate!(write());
      } catch (err) {
        return err as AdmissionDenied;
      }
      return undefined;
    })();
    expect(denial).toBeInstanceOf(AdmissionDenied);
    expect(denial?.code).toBe(403);
    expect(denial?.message).toMatch(`${kind} rancher-desktop/x: status is written by the engine only; you may change`);
    if (kind === 'Container') expect(denial?.message).toMatch('spec.state');
    expect(hook(kind).validate!(write(true))).toBeUndefined();
  });

  it.each(['Container', 'Image', 'Volume'])('lets only the engine controller remove the finalizer of a %s mirror; other metadata is the user\'s', (kind) => {
    const withFinalizers = (finalizers: string[], labels?: Record<string, string>, inProcess?: boolean): AdmissionRequest => {
      const req = { ...update(kind, { state: 'unknown' }, { state: 'unknown' }), inProcess };
      req.oldObject!.metadata.finalizers = ['engine.rancherdesktop.io/docker-mirror'];
      req.object!.metadata.finalizers = finalizers;
      req.object!.metadata.labels = labels;
      return req;
    };
    expect(() => hook(kind).validate!(withFinalizers([]))).toThrow(/the finalizer engine.rancherdesktop.io\/docker-mirror is written by the engine only/);
    expect(hook(kind).validate!(withFinalizers([], undefined, true))).toBeUndefined();
    expect(hook(kind).validate!(withFinalizers(['engine.rancherdesktop.io/docker-mirror', 'mine'], { team: 'a' }))).toBeUndefined();
  });

  it.each(['Container', 'Image', 'Volume'])('copies the Docker labels that are Kubernetes labels into a %s mirror\'s metadata.labels', (kind) => {
    const req = update(kind, undefined, { state: 'unknown' }, 'status');
    req.object!.metadata.labels = { team: 'a', 'com.docker.compose.project': 'stale' };
    req.object!.status = { labels: { 'com.docker.compose.project': 'web', 'org.opencontainers.image.source': 'https://x/y', 'kubernetes.io/x': 'y' } };
    void hook(kind).mutate!(req);
    expect(req.object!.metadata.labels).toEqual({ team: 'a', 'com.docker.compose.project': 'web' });
  });

  describe('the mirrors\' namespace', () => {
    const del = (name: string, appNamespace?: string): AdmissionRequest => namespaceRequest('DELETE', name, { namespace: appNamespace });

    it('may not be deleted, by anyone: rancher-desktop and whatever an App names', () => {
      expect(() => nsHook.validate!(del('rancher-desktop'))).toThrow(AdmissionForbidden);
      expect(() => nsHook.validate!(del('rancher-desktop'))).toThrow(/^this namespace may not be deleted: it holds the engine's mirrors/);
      expect(() => nsHook.validate!(del('mirrors', 'mirrors'))).toThrow(AdmissionForbidden);
    });

    it('leaves other namespaces deletable', () => {
      expect(nsHook.validate!(del('scratch', 'mirrors'))).toBeUndefined();
    });
  });
});

/** The AdmissionDenied a hook throws (the API server turns it into the metav1.Status a client reads). */
function denial(run: () => unknown): AdmissionDenied {
  try {
    run();
  } catch (err) {
    if (err instanceof AdmissionDenied) return err;
    throw err;
  }
  throw new Error('the hook admitted the request');
}

describe('mirror admission: what a refused client reads', () => {
  const forbidden = (field: string) => ({ code: 403, causes: [{ reason: 'FieldValueForbidden', field, message: 'written by the engine only' }] });

  it.each(['Container', 'Image', 'Volume'])('a %s status write names the status field', (kind) => {
    expect(denial(() => hook(kind).validate!(update(kind, { state: 'unknown' }, { state: 'unknown' }, 'status')))).toMatchObject(forbidden('status'));
  });

  it.each(['Container', 'Image', 'Volume'])('removing the finalizer of a %s names metadata.finalizers, also when the list is dropped whole', (kind) => {
    const req = update(kind, { state: 'unknown' }, { state: 'unknown' });
    req.oldObject!.metadata.finalizers = ['engine.rancherdesktop.io/docker-mirror'];
    expect(req.object!.metadata.finalizers).toBeUndefined();
    expect(denial(() => hook(kind).validate!(req))).toMatchObject(forbidden('metadata.finalizers'));
  });

  it.each(['Container', 'Image', 'Volume'])('a hand-written %s create names metadata.name and how the engine makes one', (kind) => {
    const req: AdmissionRequest = { ...update(kind, undefined, {}), operation: 'CREATE', oldObject: undefined };
    expect(denial(() => hook(kind).validate!(req))).toMatchObject({
      code: 403,
      causes: [{ reason: 'FieldValueForbidden', field: 'metadata.name', message: `${kind} mirrors are created by the engine` }],
    });
  });

  it('a borrowed field manager names fieldManager', () => {
    const req: AdmissionRequest = { ...update('Container', { state: 'unknown' }, { state: 'running' }), fieldManager: 'rdd-engine-controller' };
    expect(denial(() => hook('Container').validate!(req))).toMatchObject({
      code: 403,
      causes: [{ reason: 'FieldValueForbidden', field: 'fieldManager', message: 'rdd-engine-controller is reserved' }],
    });
  });

  it('a Container spec change other than spec.state is a 422 on spec', () => {
    const err = denial(() => hook('Container').validate!(update('Container', { state: 'unknown' }, { state: 'unknown', image: 'x' })));
    expect(err).toMatchObject({
      code: 422,
      message: 'Container rancher-desktop/x: only spec.state may change',
      causes: [{ reason: 'FieldValueForbidden', field: 'spec', message: 'only spec.state may change' }],
    });
  });

  it('an unlisted spec.state lists every supported value', () => {
    const supported = '"unknown", "running", "created", "paused"';
    const err = denial(() => hook('Container').validate!(update('Container', { state: 'unknown' }, { state: 'exploded' })));
    expect(err).toMatchObject({
      code: 422,
      message: `Container rancher-desktop/x: spec.state: Unsupported value: "exploded": supported values: ${supported}`,
      causes: [{ reason: 'FieldValueNotSupported', field: 'spec.state', message: `supported values: ${supported}` }],
    });
  });

  it.each(['Image', 'Volume'])('an %s spec change is a 422 on spec', (kind) => {
    expect(denial(() => hook(kind).validate!(update(kind, { a: 1 }, { a: 2 })))).toMatchObject({
      code: 422,
      message: `${kind} rancher-desktop/x: spec is immutable`,
      causes: [{ reason: 'FieldValueForbidden', field: 'spec', message: 'field is immutable' }],
    });
  });
});

describe('mirror admission: what stays allowed', () => {
  it.each(['Container', 'Image', 'Volume'])('a user may delete a %s mirror that carries the engine finalizer', (kind) => {
    const req: AdmissionRequest = { ...update(kind, { state: 'unknown' }, undefined), operation: 'DELETE', object: undefined };
    req.oldObject!.metadata.finalizers = ['engine.rancherdesktop.io/docker-mirror'];
    expect(hook(kind).validate!(req)).toBeUndefined();
  });

  it.each([
    ['Container', { state: 'running', image: 'busybox', command: ['sh'] }],
    ['Image', { repoTag: 'busybox:latest' }],
    ['Volume', { driver: 'local' }],
  ])('the engine creates a %s mirror with its whole spec', (kind, spec) => {
    const req: AdmissionRequest = { ...update(kind, undefined, spec), operation: 'CREATE', oldObject: undefined, inProcess: true };
    expect(hook(kind).validate!(req)).toBeUndefined();
  });

  it('a Container written without a spec (labels only) is not refused for its state', () => {
    expect(hook('Container').validate!(update('Container', undefined, undefined))).toBeUndefined();
  });

  it('copies no labels and adds no label map when the engine object has no Kubernetes-valid labels', () => {
    const withoutStatus = update('Container', undefined, { state: 'unknown' });
    void hook('Container').mutate!(withoutStatus);
    expect(withoutStatus.object!.metadata.labels).toBeUndefined();
    const invalidOnly = update('Container', undefined, { state: 'unknown' }, 'status');
    invalidOnly.object!.status = { labels: { 'kubernetes.io/x': 'y' } };
    void hook('Container').mutate!(invalidOnly);
    expect(invalidOnly.object!.metadata.labels).toBeUndefined();
  });

  it('protects the mirrors\' namespace even while an App has no spec', () => {
    expect(() => nsHook.validate!(namespaceRequest('DELETE', 'rancher-desktop'))).toThrow(AdmissionForbidden);
    expect(nsHook.validate!(namespaceRequest('DELETE', 'scratch'))).toBeUndefined();
  });

  it('lets the mirrors\' namespace be labelled: only its deletion is refused', () => {
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'rancher-desktop', labels: { team: 'a' } } };
    const label = { ...namespaceRequest('UPDATE', 'rancher-desktop', { namespace: 'rancher-desktop' }), object: namespace, oldObject: { ...namespace, metadata: { name: 'rancher-desktop' } } };
    expect(nsHook.validate!(label)).toBeUndefined();
  });
});
