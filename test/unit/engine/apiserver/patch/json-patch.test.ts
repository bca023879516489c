import { describe, expect, it } from 'vitest';
import { applyMergePatch } from '../../../../../src/engine/apiserver/patch/merge-patch.js';
import { applyJsonPatch, PatchError } from '../../../../../src/engine/apiserver/patch/json-patch.js';

describe('applyMergePatch (RFC 7386 appendix A)', () => {
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    [undefined, { spec: { running: true } }, { spec: { running: true } }],
  ])('%j + %j → %j', (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });

  it('modifies neither input and shares no structure with them', () => {
    const target = { spec: { vm: { cpus: 2 } }, keep: { x: 1 } };
    const patch = { spec: { vm: { cpus: 4 } }, added: { y: 1 } };
    const result = applyMergePatch(target, patch) as Record<string, Record<string, unknown>>;
    expect(target).toEqual({ spec: { vm: { cpus: 2 } }, keep: { x: 1 } });
    expect(patch).toEqual({ spec: { vm: { cpus: 4 } }, added: { y: 1 } });
    expect(result.keep).not.toBe(target.keep);
    expect(result.added).not.toBe(patch.added);
  });
});

describe('applyJsonPatch (RFC 6902)', () => {
  const doc = { spec: { running: false, list: ['a', 'b'] }, metadata: { name: 'x' } };

  it.each([
    [[{ op: 'replace', path: '/spec/running', value: true }], { spec: { running: true, list: ['a', 'b'] }, metadata: { name: 'x' } }],
    [[{ op: 'add', path: '/spec/list/-', value: 'c' }], { spec: { running: false, list: ['a', 'b', 'c'] }, metadata: { name: 'x' } }],
    [[{ op: 'add', path: '/spec/list/0', value: 'z' }], { spec: { running: false, list: ['z', 'a', 'b'] }, metadata: { name: 'x' } }],
    [[{ op: 'remove', path: '/spec/list/0' }], { spec: { running: false, list: ['b'] }, metadata: { name: 'x' } }],
    [[{ op: 'test', path: '/metadata/name', value: 'x' }, { op: 'remove', path: '/spec' }], { metadata: { name: 'x' } }],
    [[{ op: 'move', from: '/metadata/name', path: '/spec/name' }], { spec: { running: false, list: ['a', 'b'], name: 'x' }, metadata: {} }],
    [[{ op: 'copy', from: '/metadata', path: '/copy' }], { ...doc, copy: { name: 'x' } }],
    [[], doc],
  ])('%j', (ops, expected) => {
    expect(applyJsonPatch(doc, ops)).toEqual(expected);
  });

  it('never mutates the target, even when a later operation fails', () => {
    const before = structuredClone(doc);
    expect(() => applyJsonPatch(doc, [{ op: 'remove', path: '/spec' }, { op: 'test', path: '/spec', value: 1 }])).toThrow(PatchError);
    applyJsonPatch(doc, [{ op: 'replace', path: '/spec/running', value: true }]);
    expect(doc).toEqual(before);
  });

  it.each([
    [[{ op: 'test', path: '/spec/running', value: true }], 422, 'json patch operation 0 (test "/spec/running") failed: the value does not match'],
    [[{ op: 'add', path: '/a', value: 1 }, { op: 'remove', path: '/nope' }], 422, 'json patch operation 1 (remove "/nope") does not apply: Cannot perform the operation at a path that does not exist'],
    [[{ op: 'replace', path: '/x/y', value: 1 }], 422, 'operation 0 (replace "/x/y") does not apply'],
    [[{ op: 'add', path: '/spec/list/9', value: 1 }], 422, 'MUST NOT be greater than the number of elements'],
    [[{ op: 'frobnicate', path: '/a' }], 400, 'json patch operation 0 (frobnicate "/a") is invalid: Operation `op` property is not one of operations defined in RFC-6902'],
    [[{ op: 'add', path: 'spec' , value: 1 }], 400, 'is invalid: Operation `path` property must start with "/"'],
    [[{ op: 'add', path: '/b' }], 400, 'Operation `value` property is not present'],
    [{ op: 'add', path: '/b', value: 1 }, 400, 'json patch must be an array of operations'],
  ])('rejects %j with %i', (ops, code, message) => {
    let caught: unknown;
    try {
      applyJsonPatch(doc, ops);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PatchError);
    expect((caught as PatchError).code).toBe(code);
    expect((caught as PatchError).message).toContain(message);
    expect((caught as PatchError).message).not.toContain('\n');
  });
});
