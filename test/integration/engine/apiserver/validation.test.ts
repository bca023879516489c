import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject, Status } from '../../../../src/engine/kube/types.js';
import { rawRequest, startTestApiServer, type TestApiServer } from '../../../support/apiserver.js';
import { TEST_CRDS, WIDGET, widget } from './fixtures.js';

let ts: TestApiServer;
const path = '/apis/test.rdd.io/v1/namespaces/default/widgets';
const json = { 'Content-Type': 'application/json' };

beforeAll(async () => {
  ts = await startTestApiServer({ crdDir: TEST_CRDS });
  await ts.client.create(WIDGET, widget('v1'));
});
afterAll(async () => {
  await ts?.stop();
});

describe('validation as kube does it', () => {
  it('answers 422 to a JSON patch whose test fails, 400 to a malformed one', async () => {
    const failed = await rawRequest(ts, 'PATCH', `${path}/v1`, {
      body: JSON.stringify([{ op: 'test', path: '/spec/color', value: 'blue' }]),
      headers: { 'Content-Type': 'application/json-patch+json' },
    });
    expect(failed.status).toBe(422);
    expect(failed.json).toMatchObject({ reason: 'Invalid', code: 422 });
    const malformed = await rawRequest(ts, 'PATCH', `${path}/v1`, {
      body: JSON.stringify([{ op: 'frobnicate', path: '/spec' }]),
      headers: { 'Content-Type': 'application/json-patch+json' },
    });
    expect(malformed.status).toBe(400);
  });

  it('refuses annotations over 256 KiB in total with 422', async () => {
    const res = await rawRequest(ts, 'POST', path, {
      body: JSON.stringify(widget('big', { color: 'red' }, { annotations: { a: 'x'.repeat(200 * 1024), b: 'y'.repeat(100 * 1024) } })),
      headers: json,
    });
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ reason: 'Invalid', details: { causes: [{ field: 'metadata.annotations', reason: 'FieldValueTooLong' }] } });
    expect((await rawRequest(ts, 'GET', `${path}/big`)).status).toBe(404);
  });

  it('refuses an invalid annotation key with 422', async () => {
    const res = await rawRequest(ts, 'POST', path, { body: JSON.stringify(widget('badkey', {}, { annotations: { 'not a key': 'v' } })), headers: json });
    expect(res.status).toBe(422);
  });

  it('reports duplicate fields: 400 with Strict, a warning with Warn', async () => {
    const body = '{"apiVersion":"test.rdd.io/v1","kind":"Widget","metadata":{"name":"dup"},"spec":{"color":"red","color":"blue"}}';
    const strict = await rawRequest(ts, 'POST', `${path}?fieldValidation=Strict`, { body, headers: json });
    expect(strict.status).toBe(400);
    expect((strict.json as Status).message).toContain('duplicate field "spec.color"');
    const warn = await rawRequest(ts, 'POST', `${path}?fieldValidation=Warn`, { body, headers: json });
    expect(warn.status).toBe(201);
    expect(warn.headers.warning).toContain('duplicate field \\"spec.color\\"');
  });

  it('refuses to change metadata.uid: 422 on a patch, 409 on a replace', async () => {
    const patch = await rawRequest(ts, 'PATCH', `${path}/v1`, {
      body: JSON.stringify({ metadata: { uid: 'a7c3b4ba-0000-0000-0000-000000000000' } }),
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    expect(patch.status).toBe(422);
    expect((patch.json as Status).message).toContain('metadata.uid: Invalid value: "a7c3b4ba-0000-0000-0000-000000000000": field is immutable');
    const live = (await rawRequest(ts, 'GET', `${path}/v1`)).json as KubeObject;
    const put = await rawRequest(ts, 'PUT', `${path}/v1`, {
      body: JSON.stringify({ ...live, metadata: { ...live.metadata, uid: 'b7c3b4ba-0000-0000-0000-000000000000' } }),
      headers: json,
    });
    expect(put.status).toBe(409);
    expect((put.json as Status).message).toContain('Precondition failed: UID in precondition');
  });

  it('refuses an apply patch without fieldManager with 422 on PatchOptions', async () => {
    const res = await rawRequest(ts, 'PATCH', `${path}/v1`, {
      body: JSON.stringify(widget('v1')),
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
    });
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ reason: 'Invalid', details: { kind: 'PatchOptions', causes: [{ field: 'fieldManager' }] } });
  });
});
