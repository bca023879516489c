import type { KubeObject, StatusCause } from '../../kube/types.js';
import { badRequest } from '../endpoints/errors.js';
import { labelValueErrors, qualifiedNameErrors } from '../selectors/label-syntax.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/** kube caps the annotations of one object at 256 KiB (keys and values together). */
const TOTAL_ANNOTATION_BYTES = 256 * 1024;

const invalidValue = (field: string, value: string, message: string): StatusCause => ({
  reason: 'FieldValueInvalid',
  field,
  message: `Invalid value: ${JSON.stringify(value)}: ${message}`,
});

/** The longest label value, and the longest label key (`prefix/name`). */
const LABEL_VALUE_MAX = 63;
const LABEL_KEY_MAX = 253 + 1 + 63;

/**
 * kube's field.TooLong: the value is omitted from the message, so an
 * oversized value (a 2 MiB label) is not echoed back in the error's message
 * and again in its cause.
 */
const tooLong = (field: string, max: number): StatusCause => ({
  reason: 'FieldValueTooLong',
  field,
  message: `Too long: may not be more than ${max} bytes`,
});

/** kube's ObjectMeta validation for a name, namespace and labels; `dnsLabel` for Namespaces. */
export function validateMetadata(obj: KubeObject, dnsLabel: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = obj.metadata.name ?? '';
  if (!name) {
    causes.push({ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' });
  } else if (name.length > (dnsLabel ? 63 : 253)) {
    causes.push(tooLong('metadata.name', dnsLabel ? 63 : 253));
  } else if (dnsLabel ? !DNS_LABEL.test(name) : !DNS_SUBDOMAIN.test(name)) {
    causes.push(invalidValue('metadata.name', name, dnsLabel ? LABEL_MSG : SUBDOMAIN_MSG));
  }
  for (const [key, value] of Object.entries(obj.metadata.labels ?? {})) {
    if (key.length > LABEL_KEY_MAX) causes.push(tooLong('metadata.labels', LABEL_KEY_MAX));
    else for (const msg of qualifiedNameErrors(key)) causes.push(invalidValue('metadata.labels', key, msg));
    if (typeof value !== 'string') causes.push(invalidValue('metadata.labels', String(value), 'must be a string'));
    else if (value.length > LABEL_VALUE_MAX) causes.push(tooLong('metadata.labels', LABEL_VALUE_MAX));
    else for (const msg of labelValueErrors(value)) causes.push(invalidValue('metadata.labels', value, msg));
  }
  causes.push(...ownerReferenceErrors(obj));
  let annotationBytes = 0;
  for (const [key, value] of Object.entries(obj.metadata.annotations ?? {})) {
    if (key.length > LABEL_KEY_MAX) causes.push(tooLong('metadata.annotations', LABEL_KEY_MAX));
    else for (const msg of qualifiedNameErrors(key.toLowerCase())) causes.push(invalidValue('metadata.annotations', key, msg));
    if (typeof value !== 'string') causes.push(invalidValue(`metadata.annotations.${key}`, String(value), 'must be a string'));
    else annotationBytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (annotationBytes > TOTAL_ANNOTATION_BYTES) {
    causes.push({ reason: 'FieldValueTooLong', field: 'metadata.annotations', message: `Too long: may not be more than ${TOTAL_ANNOTATION_BYTES} bytes` });
  }
  return causes;
}

/** kube's ownerReferences validation: the garbage collector needs the uid, and one controller at most. */
function ownerReferenceErrors(obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const refs = obj.metadata.ownerReferences ?? [];
  for (const ref of refs) {
    const r = (ref ?? {}) as unknown as Record<string, unknown>;
    const required: [string, string][] = [
      ['apiVersion', 'version must not be empty'],
      ['kind', 'kind must not be empty'],
      ['name', 'name must not be empty'],
      ['uid', 'uid must not be empty'],
    ];
    for (const [field, message] of required) {
      if (typeof r[field] !== 'string' || !r[field]) causes.push(invalidValue(`metadata.ownerReferences.${field}`, '', message));
    }
  }
  const controllers = refs.filter((r) => r?.controller === true);
  if (controllers.length > 1) {
    const names = controllers.map((r) => `${r.kind}/${r.name}`).join(', ');
    causes.push(invalidValue('metadata.ownerReferences', names, 'Only one reference can have Controller set to true'));
  }
  return causes;
}

type FieldType = 'string' | 'integer' | 'string map' | 'string list' | 'list';

const META_TYPES: Record<string, FieldType> = {
  name: 'string',
  generateName: 'string',
  namespace: 'string',
  uid: 'string',
  resourceVersion: 'string',
  creationTimestamp: 'string',
  deletionTimestamp: 'string',
  generation: 'integer',
  deletionGracePeriodSeconds: 'integer',
  labels: 'string map',
  annotations: 'string map',
  finalizers: 'string list',
  ownerReferences: 'list',
  managedFields: 'list',
};

function hasType(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'string map':
      return typeof value === 'object' && !Array.isArray(value) && Object.values(value as object).every((v) => typeof v === 'string');
    case 'string list':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case 'list':
      return Array.isArray(value);
  }
}

/** Typed decoding of ObjectMeta, as kube's JSON decoder does it: a wrongly typed field is a 400. */
export function checkMetadataTypes(kind: string, metadata: Record<string, unknown>): void {
  for (const [field, type] of Object.entries(META_TYPES)) {
    const value = metadata[field];
    if (value === undefined || value === null || hasType(value, type)) continue;
    throw badRequest(`${kind} in version cannot be handled: metadata.${field} must be a ${type}, not ${JSON.stringify(value).slice(0, 80)}`);
  }
}
