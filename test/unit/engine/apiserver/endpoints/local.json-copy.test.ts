import { describe, expect, it } from 'vitest';
import { jsonCopy } from '../../../../../src/engine/apiserver/endpoints/local.js';

/** The in-process client must get exactly what an HTTPS client would parse. */
describe('jsonCopy', () => {
  const viaJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v)) as unknown;

  it.each([
    ['a nested object', { a: 1, b: { c: [1, 'x', null, true, { d: 'e' }] }, f: '' }],
    ['undefined members and array items', { a: undefined, b: [undefined, 1], c: { d: undefined } }],
    ['non-finite numbers and -0', { a: NaN, b: Infinity, c: [-Infinity, -0], d: -0 }],
    ['functions and symbols', { a: () => 1, b: Symbol('s'), c: [() => 1, Symbol('t')] }],
    ['toJSON', { when: new Date(0), nested: { toJSON: () => 'custom' } }],
    ['integer-like keys', { b: 1, 2: 'two', a: 3, 1: 'one' }],
  ])('copies %s as JSON would', (_name, value) => {
    const copy = jsonCopy(value);
    expect(copy).toStrictEqual(viaJson(value));
    expect(JSON.stringify(copy)).toBe(JSON.stringify(value));
  });

  it('shares nothing with the original', () => {
    const value = { a: { b: [{ c: 1 }] } };
    const copy = jsonCopy(value) as typeof value;
    copy.a.b[0].c = 2;
    expect(value.a.b[0].c).toBe(1);
  });
});
