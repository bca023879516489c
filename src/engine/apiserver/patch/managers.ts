/**
 * The field managers of an object (decoded metadata.managedFields) and the
 * ownership bookkeeping shared by updates and server-side apply, after
 * structured-merge-diff's Updater.update.
 */
import type { JSONSchemaProps } from '../../kube/json-schema.js';
import type { ManagedFieldsEntry } from '../../kube/types.js';
import { FieldSet } from './field-set.js';
import { compare, type Comparison } from './typed-value.js';

export interface Manager {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
}

/** Keyed by managerId. */
export type Managers = Map<string, Manager>;

/** kube's manager identity: appliers keep one entry across API versions, updaters get one per version. */
export function managerId(m: Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([m.manager, m.operation, m.operation === 'Update' ? m.apiVersion : '', m.subresource ?? '']);
}

export function decodeManagers(entries: ManagedFieldsEntry[] | undefined): Managers {
  const managers: Managers = new Map();
  for (const e of entries ?? []) {
    const decoded: Manager = {
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion,
      subresource: e.subresource || undefined,
      time: e.time,
      set: FieldSet.fromFieldsV1(e.fieldsV1),
    };
    const id = managerId(decoded);
    const seen = managers.get(id);
    managers.set(id, seen ? { ...seen, set: seen.set.union(decoded.set) } : decoded);
  }
  return managers;
}

/** Entries in kube's order: Apply before Update, then by time, manager, apiVersion, subresource. */
export function encodeManagers(managers: Managers): ManagedFieldsEntry[] {
  const entries = [...managers.values()]
    .filter((m) => !m.set.isEmpty())
    .map(
      (m): ManagedFieldsEntry => ({
        manager: m.manager,
        operation: m.operation,
        apiVersion: m.apiVersion,
        ...(m.time ? { time: m.time } : {}),
        fieldsType: 'FieldsV1',
        fieldsV1: m.set.toFieldsV1(),
        ...(m.subresource ? { subresource: m.subresource } : {}),
      }),
    );
  const seconds = (t?: string): number => (t ? Math.floor(Date.parse(t) / 1000) : 0);
  const order = (a: ManagedFieldsEntry, b: ManagedFieldsEntry): number =>
    a.operation.localeCompare(b.operation) ||
    seconds(a.time) - seconds(b.time) ||
    cmp(a.manager, b.manager) ||
    cmp(a.apiVersion, b.apiVersion) ||
    cmp(a.subresource ?? '', b.subresource ?? '');
  return entries.sort(order);
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export interface OwnershipChange {
  comparison: Comparison;
  /** Per other manager: the fields it owns that this write changes. */
  conflicts: Map<string, FieldSet>;
}

/**
 * Compares live and new, then takes from every manager but `actingId` the
 * fields the write changed (only with `force`; else they are returned as
 * conflicts and nothing moves) and the fields it removed. Empty managers are dropped.
 */
export function transferOwnership(
  live: unknown,
  updated: unknown,
  schema: JSONSchemaProps,
  managers: Managers,
  actingId: string,
  force: boolean,
): OwnershipChange {
  const comparison = compare(live, updated, schema);
  const changed = comparison.modified.union(comparison.added);
  const conflicts = new Map<string, FieldSet>();
  for (const [id, m] of managers) {
    if (id === actingId) continue;
    const overlap = m.set.intersection(changed);
    if (!overlap.isEmpty()) conflicts.set(id, overlap);
  }
  if (!force && conflicts.size > 0) return { comparison, conflicts };
  for (const [id, m] of managers) {
    if (id === actingId) continue;
    const next = m.set.difference(changed).difference(comparison.removed);
    if (next.isEmpty()) managers.delete(id);
    else managers.set(id, { ...m, set: next });
  }
  return { comparison, conflicts };
}
