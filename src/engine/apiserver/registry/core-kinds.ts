import { isDeepStrictEqual } from 'node:util';
import type { JSONSchemaProps, PrinterColumn } from '../../kube/json-schema.js';
import type { KubeObject, StatusCause } from '../../kube/types.js';
import type { ResourceInfo, Strategy } from './types.js';
import type { ComputedColumn } from '../table/table.js';

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
/** A schema with the description `kubectl explain` prints (kube's, shortened). */
const described = (schema: JSONSchemaProps, description: string): JSONSchemaProps => ({ ...schema, description });
const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

const keyCount = (value: unknown): number => (value && typeof value === 'object' ? Object.keys(value).length : 0);

/** kube's DATA column: how many keys the object's data maps hold. */
const dataColumn = (...fields: string[]): ComputedColumn => ({
  name: 'Data',
  type: 'integer',
  jsonPath: `.${fields[0]}`,
  description: `Number of keys in ${fields.join(' and ')}`,
  cell: (obj) => fields.reduce((n, f) => n + keyCount(obj[f]), 0),
});

interface ServicePortSpec {
  port?: number;
  nodePort?: number;
  protocol?: string;
}

/** kube's PORT(S) column: `80/TCP,443:30443/TCP`, or `<none>`. */
function servicePorts(obj: KubeObject): string {
  const ports = ((obj.spec as { ports?: ServicePortSpec[] } | undefined)?.ports ?? []).filter((p) => p && typeof p === 'object');
  if (ports.length === 0) return '<none>';
  return ports.map((p) => `${p.port ?? ''}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

/** kube's EXTERNAL-IP column: the external IPs, the external name, or `<none>`. */
function serviceExternalIp(obj: KubeObject): string {
  const spec = (obj.spec ?? {}) as { type?: string; externalIPs?: string[]; externalName?: string };
  if (spec.type === 'ExternalName') return spec.externalName ?? '<none>';
  return spec.externalIPs?.length ? spec.externalIPs.join(',') : '<none>';
}

interface BuiltinSpec {
  group?: string;
  version?: string;
  plural: string;
  kind: string;
  shortNames?: string[];
  schema: JSONSchemaProps;
  columns?: PrinterColumn[];
  /** Whether an Age column ends the table (kube's Event table has none). Default true. */
  age?: boolean;
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
        columns: [...(spec.columns ?? []), ...(spec.age === false ? [] : [AGE])],
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
  schema: object({
    data: described(stringMap, 'Data contains the configuration data. Each key must consist of alphanumeric characters, \'-\', \'_\' or \'.\'.'),
    binaryData: described(bytesMap, 'BinaryData contains the binary data (base64 in JSON). Its keys may not overlap those of data.'),
    immutable: described(boolean, 'Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated (only object metadata can be modified).'),
  }),
  columns: [dataColumn('data', 'binaryData')],
  strategy: {
    validate: (obj, live) => [...dataKeyErrors('data', obj), ...dataKeyErrors('binaryData', obj), ...(immutableConfigMap?.(obj, live) ?? [])],
  },
});

export const SECRETS = builtin({
  plural: 'secrets',
  kind: 'Secret',
  schema: object({
    data: described(bytesMap, 'Data contains the secret data, each value base64-encoded in JSON.'),
    stringData: described(stringMap, 'stringData allows specifying non-binary secret data in string form. It is a write-only input field merged into data on write, never output when reading.'),
    type: described(string, 'Used to facilitate programmatic handling of secret data (Opaque unless set).'),
    immutable: described(boolean, 'Immutable, if set to true, ensures that data stored in the Secret cannot be updated (only object metadata can be modified).'),
  }),
  columns: [
    { name: 'Type', type: 'string', jsonPath: '.type' },
    dataColumn('data'),
  ],
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
    spec: described(
      object({
        holderIdentity: described(string, 'holderIdentity contains the identity of the holder of a current lease.'),
        leaseDurationSeconds: described(integer, 'leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it.'),
        acquireTime: described(dateTime, 'acquireTime is a time when the current lease was acquired.'),
        renewTime: described(dateTime, 'renewTime is a time when the current holder of a lease has last updated the lease.'),
        leaseTransitions: described(integer, 'leaseTransitions is the number of transitions of a lease between holders.'),
        strategy: described(string, 'Strategy indicates the strategy for picking the leader for coordinated leader election.'),
        preferredHolder: described(string, 'PreferredHolder signals to a lease holder that the lease has a more optimal holder and should be given up.'),
      }),
      'spec contains the specification of the Lease.',
    ),
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
        type: described({ type: 'string', default: 'ClusterIP' }, 'type determines how the Service is exposed: ClusterIP, ExternalName, NodePort or LoadBalancer.'),
        selector: described({ ...stringMap, 'x-kubernetes-map-type': 'atomic' }, 'Route service traffic to pods with label keys and values matching this selector.'),
        ports: described(
          { type: 'array', items: servicePort, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['port', 'protocol'] },
          'The list of ports that are exposed by this service.',
        ),
        clusterIP: described(string, 'clusterIP is the IP address of the service.'),
        externalName: described(string, 'externalName is the external reference that discovery mechanisms will return as an alias for this service.'),
      },
      { 'x-kubernetes-preserve-unknown-fields': true, description: 'Spec defines the behavior of a service.' },
    ),
    status: object(
      { loadBalancer: described(object({}, { 'x-kubernetes-preserve-unknown-fields': true }), 'LoadBalancer contains the current status of the load-balancer, if one is present.') },
      { 'x-kubernetes-preserve-unknown-fields': true, description: 'Most recently observed status of the service.' },
    ),
  }),
  columns: [
    { name: 'Type', type: 'string', jsonPath: '.spec.type' },
    { name: 'Cluster-IP', type: 'string', jsonPath: '.spec.clusterIP' },
    { name: 'External-IP', type: 'string', jsonPath: '.spec.externalIPs', cell: serviceExternalIp } as ComputedColumn,
    { name: 'Port(s)', type: 'string', jsonPath: '.spec.ports', cell: servicePorts } as ComputedColumn,
  ],
});

const condition = object({
  type: described(string, 'Type of namespace controller condition.'),
  status: described(string, 'Status of the condition, one of True, False, Unknown.'),
  reason: string,
  message: string,
  lastTransitionTime: dateTime,
});

/** The core Namespace's spec and status, so `kubectl explain namespace.spec` works and bodies are pruned as kube's typed decoding does. */
export const NAMESPACE_SCHEMA: JSONSchemaProps = object({
  spec: described(
    object({
      finalizers: described(
        { type: 'array', items: string, 'x-kubernetes-list-type': 'atomic' },
        'Finalizers is an opaque list of values that must be empty to permanently remove object from storage.',
      ),
    }),
    'Spec defines the behavior of the Namespace.',
  ),
  status: described(
    object({
      phase: described(string, 'Phase is the current lifecycle phase of the namespace: Active or Terminating.'),
      conditions: described(
        { type: 'array', items: condition, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
        "Represents the latest available observations of a namespace's current state.",
      ),
    }),
    'Status describes the current status of a Namespace.',
  ),
});

export const CORE_KINDS: ResourceInfo[] = [CONFIGMAPS, SECRETS, LEASES, SERVICES];
