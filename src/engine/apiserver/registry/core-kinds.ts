import { isDeepStrictEqual } from 'node:util';
import type { JSONSchemaProps, PrinterColumn } from '../../kube/json-schema.js';
import type { KubeObject, StatusCause } from '../../kube/types.js';
import type { ResourceInfo, Strategy } from './types.js';

/*
 * Built-in kinds that GUIs, scripts and out-of-process controllers expect of
 * any cluster: ConfigMap, Secret, Lease (leader election) and Service
 * (stored only, so `kubectl cluster-info` and service lists work; nothing
 * proxies to them). They are served through the same machinery as custom
 * resources; their schemas are just big enough for pruning, validation and
 * server-side apply to treat them as kube does.
 */

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const string: JSONSchemaProps = { type: 'string' };
const integer: JSONSchemaProps = { type: 'integer' };
const boolean: JSONSchemaProps = { type: 'boolean' };
const stringMap: JSONSchemaProps = { type: 'object', additionalProperties: string };
const bytesMap: JSONSchemaProps = { type: 'object', additionalProperties: { type: 'string', format: 'byte' } };
const object = (properties: Record<string, JSONSchemaProps>, extra: JSONSchemaProps = {}): JSONSchemaProps => ({ type: 'object', properties, ...extra });
const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

interface BuiltinSpec {
  group?: string;
  version?: string;
  plural: string;
  kind: string;
  shortNames?: string[];
  schema: JSONSchemaProps;
  columns?: PrinterColumn[];
  statusSubresource?: boolean;
  selectableFields?: string[];
  strategy?: Strategy;
}

/** A namespaced built-in resource, described as a CRD would describe it. */
export function builtin(spec: BuiltinSpec): ResourceInfo {
  const group = spec.group ?? '';
  return {
    group,
    plural: spec.plural,
    singular: spec.kind.toLowerCase(),
    kind: spec.kind,
    listKind: `${spec.kind}List`,
    namespaced: true,
    shortNames: spec.shortNames ?? [],
    categories: [],
    versions: [
      {
        name: spec.version ?? 'v1',
        storage: true,
        schema: spec.schema,
        statusSubresource: spec.statusSubresource ?? false,
        selectableFields: spec.selectableFields ?? [],
        columns: [...(spec.columns ?? []), AGE],
      },
    ],
    storageKey: `${group}/${spec.plural}`,
    builtin: true,
    verbs: ALL_VERBS,
    strategy: spec.strategy,
  };
}

const invalidField = (field: string, message: string): StatusCause => ({ reason: 'FieldValueInvalid', field, message });

/** ConfigMaps and Secrets with `immutable: true` keep their data (and stay immutable) until deleted. */
function immutability(fields: string[]): Strategy['validate'] {
  return (obj, live) => {
    if (live?.immutable !== true) return [];
    const causes: StatusCause[] = [];
    for (const field of fields) {
      if (!isDeepStrictEqual(obj[field], live[field])) causes.push({ reason: 'FieldValueForbidden', field, message: 'Forbidden: field is immutable when `immutable` is set' });
    }
    if (obj.immutable !== true) causes.push({ reason: 'FieldValueForbidden', field: 'immutable', message: 'Forbidden: field is immutable when `immutable` is set' });
    return causes;
  };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DATA_KEY = /^[-._a-zA-Z0-9]+$/;

function dataKeyErrors(field: string, obj: KubeObject): StatusCause[] {
  const keys = Object.keys((obj[field] as Record<string, unknown> | undefined) ?? {});
  return keys
    .filter((k) => !DATA_KEY.test(k) || k.length > 253)
    .map((k) => invalidField(`${field}[${k}]`, `Invalid value: ${JSON.stringify(k)}: a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`));
}

const immutableConfigMap = immutability(['data', 'binaryData']);
const immutableSecret = immutability(['data']);

export const CONFIGMAPS = builtin({
  plural: 'configmaps',
  kind: 'ConfigMap',
  shortNames: ['cm'],
  schema: object({ data: stringMap, binaryData: bytesMap, immutable: boolean }),
  strategy: {
    validate: (obj, live) => [...dataKeyErrors('data', obj), ...dataKeyErrors('binaryData', obj), ...(immutableConfigMap?.(obj, live) ?? [])],
  },
});

export const SECRETS = builtin({
  plural: 'secrets',
  kind: 'Secret',
  schema: object({ data: bytesMap, stringData: stringMap, type: string, immutable: boolean }),
  columns: [{ name: 'Type', type: 'string', jsonPath: '.type' }],
  selectableFields: ['type'],
  strategy: {
    // stringData is write-only: folded into data (base64) and never stored, as kube does.
    prepare(obj) {
      const stringData = obj.stringData as Record<string, unknown> | undefined;
      delete obj.stringData;
      if (!obj.type) obj.type = 'Opaque';
      if (!stringData || typeof stringData !== 'object') return;
      const data = { ...((obj.data as Record<string, string> | undefined) ?? {}) };
      for (const [k, v] of Object.entries(stringData)) if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64');
      obj.data = data;
    },
    validate(obj, live) {
      const causes = dataKeyErrors('data', obj);
      for (const [k, v] of Object.entries((obj.data as Record<string, unknown> | undefined) ?? {})) {
        if (typeof v === 'string' && !BASE64.test(v)) causes.push(invalidField(`data[${k}]`, 'Invalid value: "<secret contents redacted>": must be base64-encoded'));
      }
      if (live && live.type !== obj.type) causes.push(invalidField('type', `Invalid value: ${JSON.stringify(obj.type)}: field is immutable`));
      return [...causes, ...(immutableSecret?.(obj, live) ?? [])];
    },
  },
});

const dateTime: JSONSchemaProps = { type: 'string', format: 'date-time' };

export const LEASES = builtin({
  group: 'coordination.k8s.io',
  plural: 'leases',
  kind: 'Lease',
  schema: object({
    spec: object({
      holderIdentity: string,
      leaseDurationSeconds: integer,
      acquireTime: dateTime,
      renewTime: dateTime,
      leaseTransitions: integer,
      strategy: string,
      preferredHolder: string,
    }),
  }),
  columns: [{ name: 'Holder', type: 'string', jsonPath: '.spec.holderIdentity' }],
});

const servicePort = object(
  { name: string, protocol: { type: 'string', default: 'TCP' }, port: integer, targetPort: { 'x-kubernetes-int-or-string': true }, nodePort: integer, appProtocol: string },
  { required: ['port'] },
);

export const SERVICES = builtin({
  plural: 'services',
  kind: 'Service',
  shortNames: ['svc'],
  statusSubresource: true,
  schema: object({
    spec: object(
      {
        type: { type: 'string', default: 'ClusterIP' },
        selector: { ...stringMap, 'x-kubernetes-map-type': 'atomic' },
        ports: { type: 'array', items: servicePort, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['port', 'protocol'] },
        clusterIP: string,
        externalName: string,
      },
      { 'x-kubernetes-preserve-unknown-fields': true },
    ),
    status: object({}, { 'x-kubernetes-preserve-unknown-fields': true }),
  }),
  columns: [
    { name: 'Type', type: 'string', jsonPath: '.spec.type' },
    { name: 'Cluster-IP', type: 'string', jsonPath: '.spec.clusterIP' },
  ],
});

export const CORE_KINDS: ResourceInfo[] = [CONFIGMAPS, SECRETS, LEASES, SERVICES];
