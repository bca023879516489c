import { describe, expect, it } from 'vitest';
import type { KubeObject, Status } from '../../../../src/engine/kube/types.js';
import { rawRequest, type RawResponse } from '../../../support/apiserver.js';
import { serverForFile, WIDGET, widget, WIDGETS } from './fixtures.js';

/*
 * fieldValidation as kubectl and client libraries use it: Strict refuses
 * unknown and duplicate fields with kube's 400, Warn (the default) answers
 * them in Warning headers, Ignore drops them silently. Unknown fields are
 * never stored.
 */

const ts = serverForFile();
const json = { 'Content-Type': 'application/json' };
const merge = { 'Content-Type': 'application/merge-patch+json' };

/** A Widget body with an unknown field (spec.junk) and, when asked, spec.color twice. */
const body = (name: string, duplicate = false) =>
  `{"apiVersion":"test.rdd.io/v1","kind":"Widget","metadata":{"name":"${name}"},"spec":{"color":"red",${duplicate ? '"color":"blue",' : ''}"junk":1}}`;

const post = (query: string, text: string) => rawRequest(ts(), 'POST', `${WIDGETS}${query}`, { body: text, headers: json });
const stored = async (name: string) => (await rawRequest(ts(), 'GET', `${WIDGETS}/${name}`)).json as KubeObject;
const warning = (res: RawResponse) => res.headers.warning;

describe('fieldValidation', () => {
  it('Strict: 400 naming every duplicate and unknown field, nothing stored', async () => {
    const res = await post('?fieldValidation=Strict', body('strict', true));
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ reason: 'BadRequest', code: 400, message: 'strict decoding error: duplicate field "spec.color", unknown field "spec.junk"' });
    expect((await rawRequest(ts(), 'GET', `${WIDGETS}/strict`)).status).toBe(404);
  });

  it('Strict on a merge patch: 400 for an unknown field, a clean patch goes through', async () => {
    await ts().client.create(WIDGET, widget('strict-patch'));
    const refused = await rawRequest(ts(), 'PATCH', `${WIDGETS}/strict-patch?fieldValidation=Strict`, { body: '{"spec":{"junk":1}}', headers: merge });
    expect(refused.status).toBe(400);
    expect((refused.json as Status).message).toBe('strict decoding error: unknown field "spec.junk"');
    const clean = await rawRequest(ts(), 'PATCH', `${WIDGETS}/strict-patch?fieldValidation=Strict`, { body: '{"spec":{"size":5}}', headers: merge });
    expect(clean.status).toBe(200);
    expect(warning(clean)).toBeUndefined();
    expect((await stored('strict-patch')).spec).toEqual({ color: 'red', size: 5 });
  });

  it('Warn: stored without the unknown field, one Warning per problem', async () => {
    const res = await post('?fieldValidation=Warn', body('warned', true));
    expect(res.status).toBe(201);
    expect(warning(res)).toBe('299 - "duplicate field \\"spec.color\\"", 299 - "unknown field \\"spec.junk\\""');
    expect((await stored('warned')).spec).toEqual({ color: 'blue', size: 3 });
  });

  it('by default: warns of unknown fields; duplicates are looked for only when asked', async () => {
    const res = await post('', body('default-mode', true));
    expect(res.status).toBe(201);
    expect(warning(res)).toBe('299 - "unknown field \\"spec.junk\\""');
    expect((await stored('default-mode')).spec).toEqual({ color: 'blue', size: 3 });
  });

  it('a clean body: no Warning header, whatever the mode', async () => {
    for (const mode of ['', '?fieldValidation=Strict', '?fieldValidation=Warn', '?fieldValidation=Ignore']) {
      const name = `clean${mode.replace(/\W+/g, '-').toLowerCase()}`;
      const res = await post(mode, JSON.stringify(widget(name)));
      expect(res.status).toBe(201);
      expect(warning(res)).toBeUndefined();
    }
  });

  it('a kind served without a schema (CustomResourceDefinition): no Warning', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'plain.extra.rdd.io' },
      spec: { group: 'extra.rdd.io', scope: 'Cluster', names: { kind: 'Plain', plural: 'plain' }, versions: [{ name: 'v1', served: true, storage: true }] },
    };
    const res = await rawRequest(ts(), 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: JSON.stringify(crd), headers: json });
    expect(res.status).toBe(201);
    expect(warning(res)).toBeUndefined();
  });

  it('Ignore: stored without the unknown field, no Warning, even with duplicates', async () => {
    const res = await post('?fieldValidation=Ignore', body('ignored', true));
    expect(res.status).toBe(201);
    expect(warning(res)).toBeUndefined();
    expect((await stored('ignored')).spec).toEqual({ color: 'blue', size: 3 });
  });

  it('refuses a value it does not know with 400 listing the supported ones', async () => {
    const res = await post('?fieldValidation=strict', JSON.stringify(widget('bad-mode')));
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      reason: 'BadRequest',
      message: 'fieldValidation: Unsupported value: "strict": supported values: "Ignore", "Strict", "Warn"',
    });
    expect((await rawRequest(ts(), 'GET', `${WIDGETS}/bad-mode`)).status).toBe(404);
  });
});
