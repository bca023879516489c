import type { JSONSchemaProps } from '../../../../../src/engine/kube/json-schema.js';
import type { Condition, KubeObject } from '../../../../../src/engine/kube/types.js';

export const API_VERSION = 'app.rancherdesktop.io/v1alpha1';
export const T0 = '2026-01-01T00:00:00Z';
export const T1 = '2026-01-01T00:01:00Z';
export const T2 = '2026-01-01T00:02:00Z';

export const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        running: { type: 'boolean' },
        engine: { type: 'string' },
        tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
        args: { type: 'array', items: { type: 'string' } },
        env: { type: 'object', additionalProperties: { type: 'string' }, 'x-kubernetes-map-type': 'atomic' },
        vm: { type: 'object', properties: { cpus: { type: 'integer' }, memoryGiB: { type: 'integer' } } },
        volumes: { type: 'object', additionalProperties: { type: 'object', properties: { size: { type: 'integer' } } } },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
    status: {
      type: 'object',
      properties: {
        conditions: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['type'],
          items: { type: 'object', properties: { type: { type: 'string' }, status: { type: 'string' }, reason: { type: 'string' } } },
        },
      },
    },
  },
};

export function app(fields: { spec?: Record<string, unknown>; status?: Record<string, unknown>; labels?: Record<string, string> } = {}): KubeObject {
  const obj: KubeObject = { apiVersion: API_VERSION, kind: 'App', metadata: { name: 'app' } };
  if (fields.labels) obj.metadata.labels = fields.labels;
  if (fields.spec) obj.spec = fields.spec;
  if (fields.status) obj.status = fields.status;
  return obj;
}

export function cond(type: string, status: Condition['status'], reason = 'R'): Partial<Condition> {
  return { type, status, reason };
}

export const conditionTypes = (obj: KubeObject): unknown[] =>
  ((obj.status?.conditions as { type: string; status: string }[] | undefined) ?? []).map((c) => `${c.type}=${c.status}`);

export const managerNames = (obj: KubeObject): string[] => (obj.metadata.managedFields ?? []).map((e) => `${e.manager}/${e.operation}`);
