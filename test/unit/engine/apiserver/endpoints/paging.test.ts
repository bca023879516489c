import { describe, expect, it } from 'vitest';
import { StatusError } from '../../../../../src/engine/apiserver/endpoints/errors.js';
import { decodeContinue, encodeContinue, listOptions } from '../../../../../src/engine/apiserver/endpoints/paging.js';
import { rejectionOf } from '../../../../support/rejection.js';

const thrown = (fn: () => unknown): Promise<StatusError> => rejectionOf(Promise.resolve().then(fn), StatusError);
const q = (s: string) => new URLSearchParams(s);

describe('continue tokens', () => {
  it('round-trip the revision and the last key, in kube’s token shape', () => {
    const token = encodeContinue(42, { namespace: 'default', name: 'w-1' });
    expect(JSON.parse(Buffer.from(token, 'base64url').toString())).toEqual({ v: 'meta.k8s.io/v1', rv: 42, start: 'default/w-1\u0000' });
    expect(decodeContinue(token)).toEqual({ revision: 42, after: { namespace: 'default', name: 'w-1' } });
  });

  it('refuse anything else with 400', async () => {
    for (const bad of ['abc', Buffer.from('{"v":"x","rv":1,"start":"a/b\\u0000"}').toString('base64url'), Buffer.from('{"v":"meta.k8s.io/v1","rv":-1}').toString('base64url')]) {
      expect(await thrown(() => decodeContinue(bad))).toMatchObject({ code: 400 });
    }
  });
});

describe('list options', () => {
  it('pins only Exact lists and continues to an older revision', () => {
    expect(listOptions(q('resourceVersion=5&resourceVersionMatch=NotOlderThan'), 10)).toEqual({ revision: undefined, limit: undefined });
    expect(listOptions(q('resourceVersion=5&resourceVersionMatch=Exact&limit=2'), 10)).toEqual({ revision: 5, limit: 2 });
  });

  it('refuses what kube refuses', async () => {
    expect(await thrown(() => listOptions(q('resourceVersionMatch=Exact'), 10))).toMatchObject({ code: 422 });
    expect(await thrown(() => listOptions(q('resourceVersion=11'), 10))).toMatchObject({ code: 504, reason: 'Timeout' });
    const token = encodeContinue(3, { namespace: 'a', name: 'b' });
    expect(await thrown(() => listOptions(q(`continue=${token}&resourceVersion=3`), 10))).toMatchObject({ code: 400 });
  });
});
