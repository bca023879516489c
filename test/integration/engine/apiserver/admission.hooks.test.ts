import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AdmissionDenied, AdmissionForbidden, type AdmissionHook, type AdmissionRequest } from '../../../../src/engine/kube/admission.js';
import { createLogger } from '../../../../src/engine/base/log.js';
import type { KubeObject, Status, StatusCause } from '../../../../src/engine/kube/types.js';
import { rawRequest, startTestApiServer, type TestApiServer } from '../../../support/apiserver.js';
import { GADGET, TEST_CRDS, WIDGET, widget, CONFIGMAP, WIDGETS } from './fixtures.js';

/*
 * Admission hooks as a client meets them through the real API server: which
 * hooks run for a write, what each is told about it, and the metav1.Status a
 * client reads when a hook refuses it or fails.
 */

/** What a hook was told, copied when it was told (the object is changed in place afterwards). */
interface Seen {
  phase: 'mutate' | 'validate';
  request: Omit<AdmissionRequest, 'object' | 'oldObject' | 'listStored'>;
  object?: KubeObject;
  oldObject?: KubeObject;
  widgetsStored: string[];
  unknownStored: KubeObject[];
}

const GADGETS = '/apis/test.rdd.io/v1/gadgets';
const json = { 'Content-Type': 'application/json' };
const merge = { 'Content-Type': 'application/merge-patch+json' };

let seen: Seen[] = [];
const logLines: string[] = [];

function record(phase: Seen['phase'], req: AdmissionRequest): void {
  const { object, oldObject, listStored, ...request } = req;
  seen.push({
    phase,
    request: structuredClone(request),
    object: structuredClone(object),
    oldObject: structuredClone(oldObject),
    widgetsStored: (listStored?.(WIDGET) ?? []).map((w) => w.metadata.name ?? ''),
    unknownStored: listStored?.({ group: 'nowhere.rdd.io', version: 'v1', plural: 'nothings', kind: 'Nothing', namespaced: false }) ?? [],
  });
}

/** Every Widget write: recorded in both phases; the mutate phase stamps a label. */
const widgetRecorder: AdmissionHook = {
  name: 'widget-recorder',
  group: 'test.rdd.io',
  kind: 'Widget',
  mutate(req) {
    record('mutate', req);
    if (req.object) req.object.metadata.labels = { ...req.object.metadata.labels, stamped: 'yes' };
  },
  validate(req) {
    record('validate', req);
  },
};

/** Gadgets only get mutated here: a hook without a validate phase. */
const gadgetStamp: AdmissionHook = {
  name: 'gadget-stamp',
  group: 'test.rdd.io',
  kind: 'Gadget',
  mutate(req) {
    if (req.object) req.object.metadata.annotations = { ...req.object.metadata.annotations, 'test.rdd.io/stamped': 'yes' };
  },
};

interface Verdict {
  message: string;
  code?: number;
  causes?: StatusCause[];
  forbidden?: boolean;
  crash?: boolean;
}

/** Gadgets are judged, without a mutate phase, by what `spec.verdict` asks of the hook. */
const gadgetJudge: AdmissionHook = {
  name: 'gadget-judge',
  group: 'test.rdd.io',
  kind: 'Gadget',
  validate(req) {
    const verdict = req.object?.spec?.verdict as Verdict | undefined;
    if (!verdict) return;
    if (verdict.crash) throw new TypeError(verdict.message);
    if (verdict.forbidden) throw new AdmissionForbidden(verdict.message, verdict.causes);
    throw new AdmissionDenied(verdict.message, { code: verdict.code, causes: verdict.causes });
  },
};

/** A core-group kind's hook: a ConfigMap with data.deny is refused with that code. */
const configMapJudge: AdmissionHook = {
  name: 'configmap-judge',
  group: '',
  kind: 'ConfigMap',
  validate(req) {
    const code = Number(req.object?.data && (req.object.data as Record<string, string>).deny);
    if (code) throw new AdmissionDenied('configmaps here may not say deny', { code });
  },
};

/** Hooks of another group with the same kind, and of the same group with another kind: they must never run. */
const refuseAll = (): never => {
  throw new AdmissionDenied('this hook must not run for this kind');
};
const strangers: AdmissionHook[] = [
  { name: 'other-group', group: 'other.rdd.io', kind: 'Gadget', mutate: refuseAll, validate: refuseAll },
  { name: 'other-kind', group: 'test.rdd.io', kind: 'Sprocket', mutate: refuseAll, validate: refuseAll },
  { name: 'other-core-kind', group: '', kind: 'Gadget', mutate: refuseAll, validate: refuseAll },
];

let ts: TestApiServer;

beforeAll(async () => {
  ts = await startTestApiServer({
    crdDir: TEST_CRDS,
    admission: [...strangers, widgetRecorder, gadgetStamp, gadgetJudge, configMapJudge],
    log: createLogger({ level: 'error', write: (line) => logLines.push(line) }),
  });
});
afterAll(async () => {
  await ts?.stop();
});
beforeEach(() => {
  seen = [];
});

const gadget = (name: string, verdict?: Verdict) => JSON.stringify({ apiVersion: 'test.rdd.io/v1', kind: 'Gadget', metadata: { name }, spec: verdict ? { verdict } : {} });

describe('which hooks run', () => {
  it('runs the hooks of the written kind only, each phase it has, and stores what they mutated', async () => {
    const res = await rawRequest(ts, 'POST', GADGETS, { body: gadget('plain'), headers: json });
    expect(res.status).toBe(201);
    expect((res.json as KubeObject).metadata.annotations).toEqual({ 'test.rdd.io/stamped': 'yes' });
    const stored = await rawRequest(ts, 'GET', `${GADGETS}/plain`);
    expect((stored.json as KubeObject).metadata.annotations).toEqual({ 'test.rdd.io/stamped': 'yes' });
    const created = await ts.client.create(WIDGET, widget('stamped'));
    expect(created.metadata.labels).toEqual({ stamped: 'yes' });
    expect(seen.map((s) => s.phase)).toEqual(['mutate', 'validate']);
  });

  it('validates what the mutating hooks made of the object', async () => {
    await ts.client.create(WIDGET, widget('validated'));
    const validate = seen.find((s) => s.phase === 'validate');
    expect(validate?.object?.metadata.labels).toEqual({ stamped: 'yes' });
    expect(validate?.object?.spec).toEqual({ color: 'red', size: 3 });
  });
});

describe('what a hook is told', () => {
  it('a create over HTTPS: operation, kind, version, name, namespace, field manager, no old object, not in-process', async () => {
    const res = await rawRequest(ts, 'POST', `${WIDGETS}?fieldManager=alice`, { body: JSON.stringify(widget('told')), headers: json });
    expect(res.status).toBe(201);
    const [mutate, validate] = seen;
    for (const s of [mutate, validate]) {
      expect(s.request).toEqual({
        operation: 'CREATE',
        group: 'test.rdd.io',
        version: 'v1',
        kind: 'Widget',
        subResource: undefined,
        fieldManager: 'alice',
        name: 'told',
        namespace: 'default',
        dryRun: false,
        inProcess: false,
      });
      expect(s.oldObject).toBeUndefined();
    }
    expect(mutate.object?.metadata.name).toBe('told');
  });

  it('an in-process status update: UPDATE of the status subresource with the stored object, no field manager unless given', async () => {
    const before = await ts.client.create(WIDGET, widget('local'));
    seen = [];
    await ts.server.localClient().patch(WIDGET, 'local', { status: { phase: 'Ready' } }, { type: 'merge', namespace: 'default', subresource: 'status' });
    expect(seen[0].request).toMatchObject({ operation: 'UPDATE', subResource: 'status', fieldManager: undefined, name: 'local', inProcess: true, dryRun: false });
    expect(seen[0].oldObject?.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(seen[0].object?.status).toEqual({ phase: 'Ready' });
  });

  it('a dry run says so', async () => {
    await ts.client.create(WIDGET, widget('dry'), { dryRun: true });
    expect(seen.map((s) => s.request.dryRun)).toEqual([true, true]);
    expect(await ts.client.find(WIDGET, 'dry', 'default')).toBeUndefined();
  });

  it('a create without a name: the hooks see an empty name, the client a 422 naming metadata.name', async () => {
    const res = await rawRequest(ts, 'POST', WIDGETS, { body: JSON.stringify({ ...widget(''), metadata: { namespace: 'default' } }), headers: json });
    expect(res.status).toBe(422);
    expect((res.json as Status).details?.causes).toEqual([{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    expect(seen.map((s) => [s.phase, s.request.name])).toEqual([['mutate', '']]);
  });

  it('lists stored objects of a resource for the hook; a resource that is not served lists nothing', async () => {
    await ts.client.create(WIDGET, widget('listed'));
    const validate = seen.find((s) => s.phase === 'validate');
    // The object being created is not stored yet.
    expect(validate?.widgetsStored).toEqual(expect.arrayContaining(['stamped', 'validated', 'told', 'local']));
    expect(validate?.widgetsStored).not.toContain('listed');
    expect(validate?.unknownStored).toEqual([]);
  });
});

describe('a hook that refuses: the Status the client reads', () => {
  const post = (name: string, verdict: Verdict) => rawRequest(ts, 'POST', GADGETS, { body: gadget(name, verdict), headers: json });
  const causes: StatusCause[] = [{ reason: 'FieldValueForbidden', field: 'spec.verdict', message: 'Forbidden: not here' }];

  it('422 Invalid by default, with the hook name, the Kind and the causes', async () => {
    const res = await post('invalid', { message: 'spec.verdict is not welcome', causes });
    expect(res.status).toBe(422);
    expect(res.json).toEqual({
      apiVersion: 'v1',
      kind: 'Status',
      metadata: {},
      status: 'Failure',
      message: 'admission webhook "gadget-judge" denied the request: spec.verdict is not welcome',
      reason: 'Invalid',
      details: { name: 'invalid', group: 'test.rdd.io', kind: 'Gadget', causes },
      code: 422,
    });
    expect((await rawRequest(ts, 'GET', `${GADGETS}/invalid`)).status).toBe(404);
  });

  it('another code: its reason, the resource in details, no causes when the hook gave none', async () => {
    const expected: [number, string][] = [
      [400, 'BadRequest'],
      [403, 'Forbidden'],
      [404, 'NotFound'],
      [409, 'Conflict'],
      // A code without a reason of its own is a BadRequest.
      [429, 'BadRequest'],
    ];
    for (const [code, reason] of expected) {
      const res = await post(`code-${code}`, { message: `refused with ${code}`, code });
      expect(res.status).toBe(code);
      expect(res.json).toMatchObject({ reason, code, message: `admission webhook "gadget-judge" denied the request: refused with ${code}` });
      expect((res.json as Status).details).toEqual({ name: `code-${code}`, group: 'test.rdd.io', kind: 'gadgets' });
    }
  });

  it('AdmissionForbidden: 403 worded as kube words its own plugins, with the causes when given', async () => {
    const plain = await post('forbidden', { message: 'gadgets are closed today', forbidden: true });
    expect(plain.status).toBe(403);
    expect(plain.json).toMatchObject({
      reason: 'Forbidden',
      code: 403,
      message: 'gadgets.test.rdd.io "forbidden" is forbidden: gadgets are closed today',
      details: { name: 'forbidden', group: 'test.rdd.io', kind: 'gadgets' },
    });
    expect((plain.json as Status).details?.causes).toBeUndefined();
    const withCauses = await post('forbidden-causes', { message: 'gadgets are closed today', forbidden: true, causes });
    expect(withCauses.status).toBe(403);
    expect(withCauses.json).toMatchObject({
      reason: 'Forbidden',
      message: 'gadgets.test.rdd.io "forbidden-causes" is forbidden: gadgets are closed today',
      details: { name: 'forbidden-causes', group: 'test.rdd.io', kind: 'gadgets', causes },
    });
  });

  it('a core-group kind: no group in details', async () => {
    const res = await rawRequest(ts, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'refused' }, data: { deny: '409' } }),
      headers: json,
    });
    expect(res.status).toBe(409);
    expect((res.json as Status).details).toEqual({ name: 'refused', kind: 'configmaps' });
    const invalid = await rawRequest(ts, 'POST', '/api/v1/namespaces/default/configmaps', {
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'refused' }, data: { deny: '422' } }),
      headers: json,
    });
    expect((invalid.json as Status).details).toEqual({ name: 'refused', kind: 'ConfigMap' });
    expect(await ts.client.find(CONFIGMAP, 'refused', 'default')).toBeUndefined();
  });

  it('refuses an update and leaves the stored object as it was', async () => {
    await ts.client.create(GADGET, JSON.parse(gadget('kept')) as KubeObject);
    const res = await rawRequest(ts, 'PATCH', `${GADGETS}/kept`, { body: JSON.stringify({ spec: { verdict: { message: 'no', code: 409 } } }), headers: merge });
    expect(res.status).toBe(409);
    expect(((await rawRequest(ts, 'GET', `${GADGETS}/kept`)).json as KubeObject).spec).toEqual({});
  });
});

describe('a hook that fails', () => {
  it('is a 500 naming the hook, the kind and the object; the log keeps the hook\'s own error', async () => {
    const res = await rawRequest(ts, 'POST', GADGETS, { body: gadget('crashing', { message: 'verdict.reading is undefined', crash: true }), headers: json });
    expect(res.status).toBe(500);
    expect(res.json).toMatchObject({ reason: 'InternalError', code: 500, message: 'Internal error occurred: admission hook gadget-judge failed on Gadget crashing' });
    expect(logLines.join('\n')).toContain('admission hook gadget-judge failed on Gadget crashing (cause: \\"verdict.reading is undefined\\")');
    expect((await rawRequest(ts, 'GET', `${GADGETS}/crashing`)).status).toBe(404);
  });
});
