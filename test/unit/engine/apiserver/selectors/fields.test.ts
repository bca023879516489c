import { describe, expect, it } from 'vitest';
import { fieldValue, matchesFields, parseFieldSelector, SelectorError } from '../../../../../src/engine/apiserver/selectors/fields.js';

const obj = {
  metadata: { name: 'busybox', namespace: 'rancher-desktop' },
  spec: { replicas: 2, paused: false },
  status: { repoTag: 'busybox:latest', 'weird,key': 'x', ports: [1], exitCode: null },
};

describe('parseFieldSelector', () => {
  it.each([
    ['', []],
    ['metadata.name=a', [{ field: 'metadata.name', op: '=', value: 'a' }]],
    ['metadata.name==a', [{ field: 'metadata.name', op: '=', value: 'a' }]],
    ['metadata.name!=a', [{ field: 'metadata.name', op: '!=', value: 'a' }]],
    ['a=1,b!=2', [{ field: 'a', op: '=', value: '1' }, { field: 'b', op: '!=', value: '2' }]],
    ['a=,', [{ field: 'a', op: '=', value: '' }]],
    ['a=x\\,y\\=z\\\\', [{ field: 'a', op: '=', value: 'x,y=z\\' }]],
  ])('%j', (selector, expected) => {
    expect(parseFieldSelector(selector)).toEqual(expected);
  });

  it.each([
    ['metadata.name', "invalid selector: 'metadata.name'; can't understand 'metadata.name'"],
    ['a=b,c', "invalid selector: 'a=b,c'; can't understand 'c'"],
    ['a=b=c', 'invalid field selector: unescaped character in value: ='],
    ['a=b\\n', 'invalid field selector: invalid escape sequence: \\n'],
    ['a=b\\', 'invalid field selector: invalid escape sequence: \\'],
    // As kube: the field name has no escapes, so its first operator splits the term.
    ['a\\=b=c', 'invalid field selector: unescaped character in value: ='],
  ])('rejects %j with exactly kube\'s message', (selector, message) => {
    const attempt = (): unknown => parseFieldSelector(selector);
    expect(attempt).toThrow(SelectorError);
    // An Error instance compares the whole message.
    expect(attempt).toThrow(new SelectorError(message));
  });
});

describe('fieldValue', () => {
  it.each([
    ['metadata.name', 'busybox'],
    ['status.repoTag', 'busybox:latest'],
    ['spec.replicas', '2'],
    ['spec.paused', 'false'],
    ['spec.missing', undefined],
    ['status.ports', undefined],
    ['metadata.name.deeper', undefined],
    // Only objects are walked into: not a string's properties, an array's items or null.
    ['metadata.name.length', undefined],
    ['status.ports.0', undefined],
    ['status.exitCode.code', undefined],
  ])('%s → %s', (field, expected) => {
    expect(fieldValue(obj, field)).toBe(expected);
  });
});

describe('matchesFields', () => {
  it.each([
    ['metadata.name=busybox', true],
    ['metadata.name=other', false],
    ['metadata.name!=other', true],
    ['metadata.name=busybox,metadata.namespace=rancher-desktop', true],
    ['metadata.name=busybox,metadata.namespace!=rancher-desktop', false],
    ['spec.replicas=2', true],
    ['spec.missing=', true],
    ['spec.missing!=', false],
    ['spec.missing!=x', true],
    ['', true],
  ])('%j → %s', (selector, expected) => {
    expect(matchesFields(parseFieldSelector(selector), obj)).toBe(expected);
  });
});
