import { describe, expect, it } from 'vitest';
import { negotiateOutput, parseAccept, requireJson } from '../../../../../src/engine/apiserver/endpoints/negotiation.js';
import { StatusError } from '../../../../../src/engine/apiserver/endpoints/errors.js';

const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
const PARTIAL = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';
const PARTIAL_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';

function refusal(fn: () => unknown): StatusError | undefined {
  try {
    fn();
  } catch (err) {
    return err as StatusError;
  }
  return undefined;
}

describe('content negotiation', () => {
  it('orders ranges by q, then as sent, and drops q=0', () => {
    expect(parseAccept('a/b;q=0.5, c/d, e/f;q=0').map((r) => r.type)).toEqual(['c/d', 'a/b']);
    expect(parseAccept(undefined)).toEqual([{ type: '*/*', params: {} }]);
  });

  it.each([
    [undefined, 'list', 'object'],
    ['*/*', 'object', 'object'],
    ['application/json;stream=watch', 'object', 'object'],
    // kubectl get on a core kind: protobuf first, which rdd does not send.
    [`application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,${TABLE},application/json`, 'list', 'table'],
    [`${PARTIAL_LIST},application/json`, 'list', 'metadata'],
    [`${PARTIAL},application/json`, 'object', 'metadata'],
    // A list form on a get is skipped for the next range, as kube does.
    [`${PARTIAL_LIST},application/json`, 'object', 'object'],
    [`${TABLE},application/json`, 'write', 'object'],
  ] as const)('Accept %s for a %s answers %s', (accept, shape, output) => {
    expect(negotiateOutput(accept, shape)).toBe(output);
  });

  it.each([
    ['application/vnd.kubernetes.protobuf', 'list'],
    ['application/yaml', 'object'],
    [PARTIAL, 'list'],
    ['application/json;as=Widget;g=meta.k8s.io;v=v1', 'object'],
    ['application/json;as=Table;g=example.com;v=v1', 'list'],
    [TABLE, 'write'],
  ] as const)('Accept %s for a %s is 406', (accept, shape) => {
    expect(refusal(() => negotiateOutput(accept, shape))).toMatchObject({ code: 406, reason: 'NotAcceptable' });
  });

  it('wants plain JSON for the non-resource endpoints', () => {
    expect(refusal(() => requireJson('application/com.github.proto-openapi.spec.v2@v1.0+protobuf'))).toMatchObject({ code: 406 });
    expect(requireJson('application/json, */*')).toBeUndefined();
  });
});
