import { describe, expect, it } from 'vitest';
import { labelValueErrors, qualifiedNameErrors } from '../../../../../src/engine/apiserver/selectors/label-syntax.js';

const NAME_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const PREFIX_MSG =
  "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** A DNS subdomain of exactly n characters. */
const subdomain = (n: number): string => `${'a'.repeat(n - 4)}.com`;

// kube's IsQualifiedName: every problem is listed, in kube's order and words.
describe('qualifiedNameErrors', () => {
  it.each([
    ['app', []],
    ['example.com/app', []],
    [`${'a'.repeat(63)}`, []],
    [`${subdomain(253)}/x`, []],
    ['/app', ['prefix part must be non-empty']],
    [`${subdomain(254)}/x`, ['prefix part must be no more than 253 characters']],
    ['Example.com/app', [PREFIX_MSG]],
    ['Bad_Prefix/-x', [PREFIX_MSG, NAME_MSG]],
    ['example.com/', ['name part must be non-empty']],
    ['', ['name part must be non-empty']],
    [`${'a'.repeat(64)}`, ['name part must be no more than 63 characters']],
    [`-${'a'.repeat(63)}`, ['name part must be no more than 63 characters', NAME_MSG]],
    ['a/b/c', [expect.stringMatching(/^a qualified name must consist of .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/)]],
  ])('%j → %j', (key, errors) => {
    expect(qualifiedNameErrors(key)).toEqual(errors);
  });
});

describe('labelValueErrors', () => {
  it.each([
    ['', []],
    ['a'.repeat(63), []],
    ['a'.repeat(64), ['must be no more than 63 characters']],
    ['-x', [expect.stringMatching(/^a valid label must be an empty string or consist of alphanumeric characters/)]],
  ])('%j → %j', (value, errors) => {
    expect(labelValueErrors(value)).toEqual(errors);
  });
});
