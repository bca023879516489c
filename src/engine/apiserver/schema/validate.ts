/**
 * Structural-schema validation of a custom resource with kube-apiserver's
 * reasons, field paths and messages (apiextensions-apiserver on go-openapi).
 */
import type { JSONSchemaProps } from '../../kube/json-schema.js';
import { childPath, deepEqual, indexPath, isObject, jsonTypeName } from './json-value.js';
import type { FieldError } from './field-error.js';
import { listUniquenessErrors } from './list-uniqueness.js';

/** Fields of the resource root that ObjectMeta/TypeMeta validation covers instead. */
const ROOT_SKIPPED = new Set(['apiVersion', 'kind', 'metadata']);

// RFC 3339 as go-openapi's strfmt accepts it (date, time, optional fraction, zone).
const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** How kube renders a value after `Invalid value: `. */
export function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'null';
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

const invalid = (field: string, value: unknown, detail: string): FieldError => ({
  reason: 'FieldValueInvalid',
  field,
  message: `Invalid value: ${formatValue(value)}: ${detail}`,
});

function typeMatches(schema: JSONSchemaProps, v: unknown): boolean {
  if (schema['x-kubernetes-int-or-string']) return typeof v === 'string' || Number.isInteger(v);
  switch (schema.type) {
    case undefined:
      return true;
    case 'object':
      return isObject(v);
    case 'array':
      return Array.isArray(v);
    case 'integer':
      return Number.isInteger(v);
    default:
      return typeof v === schema.type;
  }
}

function expectedType(schema: JSONSchemaProps): string {
  return schema['x-kubernetes-int-or-string'] ? 'integer,string' : (schema.type ?? 'object');
}

const patterns = new Map<string, RegExp>();
function compiled(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (!re) {
    re = new RegExp(pattern);
    patterns.set(pattern, re);
  }
  return re;
}

function validateString(schema: JSONSchemaProps, v: string, path: string, errs: FieldError[]): void {
  const length = [...v].length;
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    errs.push({ reason: 'FieldValueTooLong', field: path, message: `Too long: may not be more than ${schema.maxLength} bytes` });
  }
  if (schema.minLength !== undefined && length < schema.minLength) {
    errs.push(invalid(path, v, `${path} in body should be at least ${schema.minLength} chars long`));
  }
  if (schema.pattern !== undefined && !compiled(schema.pattern).test(v)) {
    errs.push(invalid(path, v, `${path} in body should match '${schema.pattern}'`));
  }
  if (schema.format === 'date-time' && !(DATE_TIME_RE.test(v) && !Number.isNaN(Date.parse(v)))) {
    errs.push(invalid(path, v, `${path} in body must be of type date-time: ${JSON.stringify(v)}`));
  }
}

function validateNumber(schema: JSONSchemaProps, v: number, path: string, errs: FieldError[]): void {
  if (schema.maximum !== undefined) {
    const bad = schema.exclusiveMaximum ? v >= schema.maximum : v > schema.maximum;
    const rel = schema.exclusiveMaximum ? 'less than' : 'less than or equal to';
    if (bad) errs.push(invalid(path, v, `${path} in body should be ${rel} ${schema.maximum}`));
  }
  if (schema.minimum !== undefined) {
    const bad = schema.exclusiveMinimum ? v <= schema.minimum : v < schema.minimum;
    const rel = schema.exclusiveMinimum ? 'greater than' : 'greater than or equal to';
    if (bad) errs.push(invalid(path, v, `${path} in body should be ${rel} ${schema.minimum}`));
  }
}

function validateArray(schema: JSONSchemaProps, v: unknown[], path: string, errs: FieldError[]): void {
  if (schema.maxItems !== undefined && v.length > schema.maxItems) {
    errs.push({ reason: 'FieldValueTooMany', field: path, message: `Too many: ${v.length}: must have at most ${schema.maxItems} items` });
  }
  if (schema.minItems !== undefined && v.length < schema.minItems) {
    errs.push(invalid(path, v, `${path} in body should have at least ${schema.minItems} items`));
  }
  errs.push(...listUniquenessErrors(schema, v, path));
  if (schema.items) v.forEach((item, i) => validateValue(schema.items as JSONSchemaProps, item, indexPath(path, i), errs));
}

function validateObject(schema: JSONSchemaProps, v: Record<string, unknown>, path: string, errs: FieldError[], root: boolean): void {
  for (const key of schema.required ?? []) {
    if (root && ROOT_SKIPPED.has(key)) continue;
    if (!Object.hasOwn(v, key)) errs.push({ reason: 'FieldValueRequired', field: childPath(path, key), message: 'Required value' });
  }
  if (schema['x-kubernetes-embedded-resource']) {
    for (const key of ['apiVersion', 'kind']) {
      if (typeof v[key] !== 'string' || v[key] === '') {
        errs.push({ reason: 'FieldValueRequired', field: childPath(path, key), message: 'Required value: must not be empty' });
      }
    }
  }
  const count = Object.keys(v).length;
  if (schema.maxProperties !== undefined && count > schema.maxProperties) {
    errs.push({ reason: 'FieldValueTooMany', field: path, message: `Too many: ${count}: must have at most ${schema.maxProperties} items` });
  }
  if (schema.minProperties !== undefined && count < schema.minProperties) {
    errs.push(invalid(path, v, `${path} in body should have at least ${schema.minProperties} properties`));
  }
  const additional = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  for (const [key, child] of Object.entries(v)) {
    if (root && ROOT_SKIPPED.has(key)) continue;
    const childSchema = schema.properties?.[key] ?? additional;
    if (childSchema) validateValue(childSchema, child, childPath(path, key), errs);
  }
}

function validateValue(schema: JSONSchemaProps, v: unknown, path: string, errs: FieldError[], root = false): void {
  if (v === null && (schema.nullable || (schema.type === undefined && !schema['x-kubernetes-int-or-string']))) return;
  if (!typeMatches(schema, v)) {
    const actual = jsonTypeName(v);
    errs.push({
      reason: 'FieldValueTypeInvalid',
      field: path,
      message: `Invalid value: "${actual}": ${path} in body must be of type ${expectedType(schema)}: "${actual}"`,
    });
    return;
  }
  if (schema.enum && !schema.enum.some((allowed) => deepEqual(allowed, v))) {
    const supported = schema.enum.map((e) => JSON.stringify(typeof e === 'string' ? e : JSON.stringify(e))).join(', ');
    errs.push({ reason: 'FieldValueNotSupported', field: path, message: `Unsupported value: ${formatValue(v)}: supported values: ${supported}` });
  }
  if (typeof v === 'string') validateString(schema, v, path, errs);
  else if (typeof v === 'number') validateNumber(schema, v, path, errs);
  else if (Array.isArray(v)) validateArray(schema, v, path, errs);
  else if (isObject(v)) validateObject(schema, v, path, errs, root);
}

/** All problems of `obj` against the CRD version's schema; empty when valid. */
export function validateAgainstSchema(schema: JSONSchemaProps, obj: unknown): FieldError[] {
  const errs: FieldError[] = [];
  validateValue(schema, obj, '', errs, true);
  return errs;
}
