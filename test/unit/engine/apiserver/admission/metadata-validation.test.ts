import { describe, expect, it } from 'vitest';
import { checkMetadataTypes, validateMetadata } from '../../../../../src/engine/apiserver/admission/metadata-validation.js';
import { labelValueErrors, qualifiedNameErrors } from '../../../../../src/engine/apiserver/selectors/label-syntax.js';
import type { KubeObject, StatusCause } from '../../../../../src/engine/kube/types.js';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

const object = (metadata: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata }) as KubeObject;
const invalid = (field: string, value: string, message: string): StatusCause => ({
  reason: 'FieldValueInvalid',
  field,
  message: `Invalid value: ${JSON.stringify(value)}: ${message}`,
});
const tooLong = (field: string, max: number): StatusCause => ({ reason: 'FieldValueTooLong', field, message: `Too long: may not be more than ${max} bytes` });
const ref = (fields: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'u-1', ...fields });

// kube's ObjectMeta validation: every problem is a cause, with kube's reason, field and words.
describe('validateMetadata: the name', () => {
  it.each<[string, Record<string, unknown>, boolean, StatusCause[]]>([
    ['a subdomain', { name: 'a.b-c' }, false, []],
    ['253 characters', { name: 'a'.repeat(253) }, false, []],
    ['254 characters', { name: 'a'.repeat(254) }, false, [tooLong('metadata.name', 253)]],
    ['not a subdomain', { name: 'Bad_Name' }, false, [invalid('metadata.name', 'Bad_Name', SUBDOMAIN_MSG)]],
    ['missing', {}, false, [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]],
    ['empty', { name: '' }, false, [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]],
    ['a Namespace of 63 characters', { name: 'a'.repeat(63) }, true, []],
    ['a Namespace of 64 characters', { name: 'a'.repeat(64) }, true, [tooLong('metadata.name', 63)]],
    ['a Namespace with a dot', { name: 'a.b' }, true, [invalid('metadata.name', 'a.b', LABEL_MSG)]],
  ])('%s', (_what, metadata, dnsLabel, causes) => {
    expect(validateMetadata(object(metadata), dnsLabel)).toEqual(causes);
  });
});

describe('validateMetadata: labels and annotations', () => {
  const KEY_MAX = 253 + 1 + 63;
  const longKey = `${'a'.repeat(253)}/${'b'.repeat(64)}`;

  it.each<[string, Record<string, unknown>, StatusCause[]]>([
    ['valid labels', { labels: { app: 'web', 'example.com/tier': '', v: 'a'.repeat(63) } }, []],
    ['a label key over the limit', { labels: { [longKey]: 'x' } }, [tooLong('metadata.labels', KEY_MAX)]],
    ['a label key of exactly the limit', { labels: { [`${'a'.repeat(253)}/${'b'.repeat(63)}`]: 'x' } }, []],
    ['a label key that is no qualified name', { labels: { '-app': 'x' } }, [invalid('metadata.labels', '-app', qualifiedNameErrors('-app')[0])]],
    ['a label value of 64 characters', { labels: { app: 'a'.repeat(64) } }, [tooLong('metadata.labels', 63)]],
    ['a label value that is no label', { labels: { app: '-x' } }, [invalid('metadata.labels', '-x', labelValueErrors('-x')[0])]],
    ['a label value that is no string', { labels: { app: 3 } }, [invalid('metadata.labels', '3', 'must be a string')]],
    ['an annotation key over the limit', { annotations: { [longKey]: 'x' } }, [tooLong('metadata.annotations', KEY_MAX)]],
    ['an annotation key of exactly the limit', { annotations: { [`${'a'.repeat(253)}/${'b'.repeat(63)}`]: 'x' } }, []],
    // Annotation keys are checked case-insensitively, as kube does.
    ['an upper-case annotation prefix', { annotations: { 'Example.COM/Note': 'x' } }, []],
    ['an annotation key that is no qualified name', { annotations: { 'a b': 'x' } }, [invalid('metadata.annotations', 'a b', qualifiedNameErrors('a b')[0])]],
    ['an annotation value that is no string', { annotations: { note: 7 } }, [invalid('metadata.annotations.note', '7', 'must be a string')]],
    ['annotations of exactly 256 KiB', { annotations: { k: 'x'.repeat(256 * 1024 - 1) } }, []],
    ['annotations over 256 KiB together', { annotations: { a: 'x'.repeat(128 * 1024), b: 'x'.repeat(128 * 1024) } }, [tooLong('metadata.annotations', 256 * 1024)]],
  ])('%s', (_what, metadata, causes) => {
    expect(validateMetadata(object({ name: 'x', ...metadata }), false)).toEqual(causes);
  });
});

describe('validateMetadata: ownerReferences', () => {
  it.each<[string, unknown[], StatusCause[]]>([
    ['a complete reference', [ref({})], []],
    ['one controller among several', [ref({ controller: true }), ref({ name: 'b', controller: false }), ref({ name: 'c' })], []],
    [
      'every field missing',
      [{}],
      [
        invalid('metadata.ownerReferences.apiVersion', '', 'version must not be empty'),
        invalid('metadata.ownerReferences.kind', '', 'kind must not be empty'),
        invalid('metadata.ownerReferences.name', '', 'name must not be empty'),
        invalid('metadata.ownerReferences.uid', '', 'uid must not be empty'),
      ],
    ],
    ['an empty uid', [ref({ uid: '' })], [invalid('metadata.ownerReferences.uid', '', 'uid must not be empty')]],
    ['a uid that is no string', [ref({ uid: 5 })], [invalid('metadata.ownerReferences.uid', '', 'uid must not be empty')]],
    ['a null reference', [null], ['apiVersion', 'kind', 'name', 'uid'].map((f) => expect.objectContaining({ field: `metadata.ownerReferences.${f}` }) as StatusCause)],
    [
      'two controllers',
      [ref({ name: 'a', controller: true }), ref({ name: 'b', controller: true }), ref({ name: 'c', controller: 'true' })],
      [invalid('metadata.ownerReferences', 'ConfigMap/a, ConfigMap/b', 'Only one reference can have Controller set to true')],
    ],
  ])('%s', (_what, ownerReferences, causes) => {
    expect(validateMetadata(object({ name: 'x', ownerReferences }), false)).toEqual(causes);
  });
});

// kube's typed decoding of ObjectMeta: a wrongly typed field is a 400 before anything else.
describe('checkMetadataTypes', () => {
  it.each<[string, unknown]>([
    ['name', 'x'],
    ['generation', 3],
    ['labels', { a: 'b' }],
    ['annotations', {}],
    ['finalizers', ['a', 'b']],
    ['finalizers', []],
    ['ownerReferences', [{}]],
    ['labels', null],
  ])('accepts metadata.%s = %j', (field, value) => {
    expect(() => checkMetadataTypes('ConfigMap', { [field]: value })).not.toThrow();
  });

  it.each<[string, unknown, string]>([
    ['name', 5, 'metadata.name must be a string, not 5'],
    ['generation', 1.5, 'metadata.generation must be a integer, not 1.5'],
    ['labels', ['a'], 'metadata.labels must be a string map, not ["a"]'],
    ['labels', 'a=b', 'metadata.labels must be a string map, not "a=b"'],
    ['annotations', { a: 1, b: 'x' }, 'metadata.annotations must be a string map, not {"a":1,"b":"x"}'],
    ['finalizers', 'a', 'metadata.finalizers must be a string list, not "a"'],
    ['finalizers', ['a', 1], 'metadata.finalizers must be a string list, not ["a",1]'],
    ['ownerReferences', {}, 'metadata.ownerReferences must be a list, not {}'],
    // A long value is cut at 80 characters.
    ['annotations', { note: 'x'.repeat(100), bad: 1 }, `metadata.annotations must be a string map, not {"note":"${'x'.repeat(71)}`],
  ])('refuses metadata.%s = %j with a 400', (field, value, message) => {
    const attempt = () => checkMetadataTypes('ConfigMap', { [field]: value });
    expect(attempt).toThrow(
      expect.objectContaining({ code: 400, reason: 'BadRequest', message: `ConfigMap in version cannot be handled: ${message}` }),
    );
  });
});
