import { describe, expect, it } from 'vitest';
import { StatusError } from '../../../../../src/engine/apiserver/endpoints/errors.js';
import { decodeContinue, encodeContinue, listOptions } from '../../../../../src/engine/apiserver/endpoints/paging.js';
import { rejectionOf } from '../../../../support/rejection.js';

// What kube's ListOptions validation refuses, with kube's codes and words
// (kubectl shows them as they are), and the continue tokens it does not mint.
const thrown = (fn: () => unknown): Promise<StatusError> => rejectionOf(Promise.resolve().then(fn), StatusError);
const q = (s: string) => new URLSearchParams(s);
const token = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const invalid = (field: string, message: string) => ({
  code: 422,
  reason: 'Invalid',
  message: `ListOptions.meta.k8s.io "" is invalid: ${field}: ${message}`,
  details: { kind: 'ListOptions', causes: [{ field, message }] },
});

describe('continue tokens that kube would not have minted', () => {
  it.each([
    ['not base64 JSON', '%%%'],
    ['JSON null', token(null)],
    ['no start', token({ v: 'meta.k8s.io/v1', rv: 3 })],
    ['a start without its trailing NUL', token({ v: 'meta.k8s.io/v1', rv: 3, start: 'default/w-1' })],
    ['a start without a namespace', token({ v: 'meta.k8s.io/v1', rv: 3, start: 'w-1\u0000' })],
    ['another version', token({ v: 'meta.k8s.io/v2', rv: 3, start: 'default/w-1\u0000' })],
    ['revision 0', token({ v: 'meta.k8s.io/v1', rv: 0, start: 'default/w-1\u0000' })],
    ['a fractional revision', token({ v: 'meta.k8s.io/v1', rv: 1.5, start: 'default/w-1\u0000' })],
  ])('are refused with 400 naming the token: %s', async (_what, raw) => {
    expect((await thrown(() => decodeContinue(raw))).toStatus()).toMatchObject({ code: 400, reason: 'BadRequest', message: `invalid continue token: ${JSON.stringify(raw)}` });
  });

  it('accept revision 1 and an empty namespace (cluster-scoped objects)', () => {
    expect(decodeContinue(encodeContinue(1, { namespace: '', name: 'n1' }))).toEqual({ revision: 1, after: { namespace: '', name: 'n1' } });
  });
});

describe('list options', () => {
  it('refuse an unknown resourceVersionMatch, naming the supported ones', async () => {
    expect((await thrown(() => listOptions(q('resourceVersion=1&resourceVersionMatch=Bogus'), 10))).toStatus()).toMatchObject(
      invalid('resourceVersionMatch', 'Unsupported value: "Bogus": supported values: "Exact", "NotOlderThan"'),
    );
  });

  it('refuse resourceVersionMatch without resourceVersion, and Exact at resourceVersion 0', async () => {
    expect((await thrown(() => listOptions(q('resourceVersionMatch=NotOlderThan'), 10))).toStatus()).toMatchObject(
      invalid('resourceVersionMatch', 'Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided'),
    );
    expect((await thrown(() => listOptions(q('resourceVersion=0&resourceVersionMatch=Exact'), 10))).toStatus()).toMatchObject(
      invalid('resourceVersionMatch', 'Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"'),
    );
    expect(listOptions(q('resourceVersion=0&resourceVersionMatch=NotOlderThan'), 10)).toEqual({ revision: undefined, limit: undefined });
    expect(listOptions(q('resourceVersion=3&resourceVersionMatch=Exact'), 10)).toEqual({ revision: 3, limit: undefined });
  });

  it('serve the newest revision itself, and answer 504 only past it', async () => {
    expect(listOptions(q('resourceVersion=10&resourceVersionMatch=Exact'), 10)).toEqual({ revision: 10, limit: undefined });
    expect((await thrown(() => listOptions(q('resourceVersion=11&resourceVersionMatch=Exact'), 10))).toStatus()).toMatchObject({ code: 504 });
  });

  it('read a limit of 0 or less as no limit', () => {
    expect(listOptions(q('limit=0'), 10)).toEqual({ limit: undefined, revision: undefined });
    expect(listOptions(q('limit=-1'), 10)).toEqual({ limit: undefined, revision: undefined });
    expect(listOptions(q('limit=1'), 10)).toEqual({ limit: 1, revision: undefined });
  });

  it('take the revision of a continue from its token, allowing resourceVersion 0 beside it but no other', async () => {
    const next = encodeContinue(4, { namespace: 'a', name: 'b' });
    expect(listOptions(q(`continue=${next}&resourceVersion=0&limit=2`), 10)).toEqual({ revision: 4, limit: 2, after: { namespace: 'a', name: 'b' } });
    expect((await thrown(() => listOptions(q(`continue=${next}&resourceVersion=4`), 10))).toStatus()).toMatchObject({
      code: 400,
      message: 'specifying resource version is not allowed when using continue',
    });
  });
});
