import type { JSONSchemaProps, PrinterColumn } from '../../kube/json-schema.js';
import type { KubeObject } from '../../kube/types.js';
import { ALL_VERBS, builtin } from './core-kinds.js';
import type { ResourceInfo } from './types.js';
import { formatAge, type ComputedColumn } from '../table/table.js';

/*
 * Events are stored once, in core/v1 form; events.k8s.io/v1 is a second
 * view of the same objects, converted field by field as kube converts them.
 * Their expiry is the server's own loop in lifecycle/event-ttl.ts.
 */

const string: JSONSchemaProps = { type: 'string' };
const integer: JSONSchemaProps = { type: 'integer' };
// client-go sends unset timestamps as null.
const time: JSONSchemaProps = { type: 'string', format: 'date-time', nullable: true };
const objectReference: JSONSchemaProps = {
  type: 'object',
  properties: { kind: string, namespace: string, name: string, uid: string, apiVersion: string, resourceVersion: string, fieldPath: string },
};
const series: JSONSchemaProps = { type: 'object', nullable: true, properties: { count: integer, lastObservedTime: time } };
const source: JSONSchemaProps = { type: 'object', properties: { component: string, host: string } };

const REFERENCE_FIELDS = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'];

const CORE_SCHEMA: JSONSchemaProps = {
  type: 'object',
  properties: {
    involvedObject: objectReference,
    reason: string,
    message: string,
    source,
    firstTimestamp: time,
    lastTimestamp: time,
    count: integer,
    type: string,
    eventTime: time,
    series,
    action: string,
    related: { ...objectReference, nullable: true },
    reportingComponent: string,
    reportingInstance: string,
  },
};

const V1_SCHEMA: JSONSchemaProps = {
  type: 'object',
  properties: {
    eventTime: time,
    series,
    reportingController: string,
    reportingInstance: string,
    action: string,
    reason: string,
    regarding: objectReference,
    related: { ...objectReference, nullable: true },
    note: string,
    type: string,
    deprecatedSource: source,
    deprecatedFirstTimestamp: time,
    deprecatedLastTimestamp: time,
    deprecatedCount: integer,
  },
};

/** A text column computed from one field of the event (`jsonPath` names it), as kube's Event printer computes it. */
const computed = (name: string, field: string, cell: (value: unknown, obj: KubeObject) => string): ComputedColumn => ({
  name,
  type: 'string',
  jsonPath: `.${field}`,
  cell: (obj) => cell(obj[field], obj),
});

/** kube's OBJECT column: `<kind in lower case>/<name>` of the object the event is about. */
const objectColumn = (field: string) =>
  computed('Object', field, (value) => {
    const ref = (value ?? {}) as { kind?: string; name?: string };
    return `${(ref.kind ?? '').toLowerCase()}/${ref.name ?? ''}`;
  });

/** kube's LAST SEEN: the last timestamp, else the event time, else `<unknown>`. */
const lastSeenColumn = (field: string) =>
  computed('Last Seen', field, (value, obj) => {
    const time = [value, obj.eventTime].find((t) => typeof t === 'string') as string | undefined;
    return time ? formatAge(time, new Date()) : '<unknown>';
  });

const columns = (object: string, message: string, last: string): PrinterColumn[] => [
  lastSeenColumn(last),
  { name: 'Type', type: 'string', jsonPath: '.type' },
  { name: 'Reason', type: 'string', jsonPath: '.reason' },
  objectColumn(object),
  { name: 'Message', type: 'string', jsonPath: message },
  // As kube prints Events: no Age, and the name only with -o wide.
  { name: 'Name', type: 'string', format: 'name', jsonPath: '.metadata.name', priority: 1 },
];

/** core/v1 field ↔ events.k8s.io/v1 field. */
const FIELD_MAP: [string, string][] = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['reportingComponent', 'reportingController'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
];
const SHARED = ['eventTime', 'series', 'reportingInstance', 'action', 'reason', 'related', 'type'];

function convert(obj: KubeObject, apiVersion: string, pairs: [string, string][]): KubeObject {
  const out: KubeObject = { apiVersion, kind: 'Event', metadata: obj.metadata };
  for (const field of SHARED) if (obj[field] !== undefined) out[field] = obj[field];
  for (const [from, to] of pairs) if (obj[from] !== undefined) out[to] = obj[from];
  return out;
}

/**
 * The events.k8s.io/v1 view. eventTime is required there; events recorded
 * the core/v1 way have none, and kube shows them with `eventTime: null`,
 * which typed clients (python3-kubernetes) refuse to decode. This view
 * shows the first time the event was seen instead.
 */
export function toEventsV1(obj: KubeObject): KubeObject {
  const out = convert(obj, 'events.k8s.io/v1', FIELD_MAP);
  if (typeof out.eventTime !== 'string') {
    const first = (typeof obj.firstTimestamp === 'string' ? obj.firstTimestamp : undefined) ?? obj.metadata.creationTimestamp;
    if (first) out.eventTime = first.replace(/(\.\d+)?Z$/, '.000000Z');
  }
  return out;
}
export const toCoreEvent = (obj: KubeObject): KubeObject =>
  convert(
    obj,
    'v1',
    FIELD_MAP.map(([core, v1]) => [v1, core]),
  );

export const EVENTS = builtin({
  plural: 'events',
  kind: 'Event',
  shortNames: ['ev'],
  schema: CORE_SCHEMA,
  columns: columns('involvedObject', '.message', 'lastTimestamp'),
  age: false,
  selectableFields: [...REFERENCE_FIELDS.map((f) => `involvedObject.${f}`), 'reason', 'reportingComponent', 'type'],
});

export const EVENTS_V1: ResourceInfo = {
  ...builtin({
    group: 'events.k8s.io',
    plural: 'events',
    kind: 'Event',
    shortNames: ['ev'],
    schema: V1_SCHEMA,
    columns: columns('regarding', '.note', 'deprecatedLastTimestamp'),
    age: false,
    selectableFields: [...REFERENCE_FIELDS.map((f) => `regarding.${f}`), 'reason', 'reportingController', 'type'],
  }),
  storageKey: EVENTS.storageKey,
  verbs: ALL_VERBS,
  conversion: { stored: EVENTS, fromStored: toEventsV1, toStored: toCoreEvent },
};
