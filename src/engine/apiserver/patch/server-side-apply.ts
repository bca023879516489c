/**
 * Server-side apply (structured-merge-diff's Updater.Apply): merge the applied
 * configuration into the live object, drop what this manager applied before
 * and no longer applies (unless someone else owns it), and move ownership —
 * refusing with conflicts when other managers own changed fields, unless forced.
 */
import type { JSONSchemaProps } from '../../kube/json-schema.js';
import type { KubeObject } from '../../kube/types.js';
import { deepEqual } from '../schema/json-value.js';
import { FieldSet, formatPath } from './field-set.js';
import { decodeManagers, encodeManagers, managerId, transferOwnership, type Manager, type Managers } from './managers.js';
import { mergeApplied, removePaths } from './structured-merge.js';
import { resourceSchema, stripForTracking, toFieldSet } from './typed-value.js';

export interface ApplyConflict {
  manager: string;
  /** `.spec.running`, `.status.conditions[type="Ready"].status` */
  field: string;
  /** kube's cause message: `conflict with "m" using v1 at <time>` (the "using" part for Update managers). */
  message: string;
}

/** A 409 Conflict: other managers own fields this apply would change. */
export class ApplyConflictError extends Error {
  readonly conflicts: ApplyConflict[];

  constructor(conflicts: ApplyConflict[]) {
    super(conflictMessage(conflicts));
    this.name = 'ApplyConflictError';
    this.conflicts = conflicts;
  }
}

export interface ServerSideApplyInput {
  live?: KubeObject;
  applied: KubeObject;
  manager: string;
  force: boolean;
  schema: JSONSchemaProps;
  subresource?: string;
  apiVersion: string;
  now: string;
  /**
   * Top-level fields the endpoint resets, which the applier therefore cannot
   * own: `['status']` for the main resource of a kind with a status
   * subresource. Through the status subresource everything but status is reset.
   */
  resetFields?: string[];
}

/** kube's printManager. */
function describeManager(m: Manager): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') s += m.time ? ` using ${m.apiVersion} at ${m.time}` : ` using ${m.apiVersion}`;
  return `conflict with ${s}`;
}

/** kube's getConflictMessage. */
function conflictMessage(conflicts: ApplyConflict[]): string {
  if (conflicts.length === 1) return `Apply failed with 1 conflict: ${conflicts[0].message}: ${conflicts[0].field}`;
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(c.message, [...(byManager.get(c.message) ?? []), c.field]);
  const lines = [...byManager.keys()].sort().flatMap((m) => [`${m}:`, ...(byManager.get(m) as string[]).map((f) => `- ${f}`)]);
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

const BEFORE_FIRST_APPLY = 'before-first-apply';

/** kube hands the fields of an object nobody tracked yet to a pseudo-manager, so a first apply can conflict with them. */
function liveManagers(input: ServerSideApplyInput, schema: JSONSchemaProps): Managers {
  const managers = decodeManagers(input.live?.metadata?.managedFields);
  if (input.live && managers.size === 0) {
    const owner: Manager = { manager: BEFORE_FIRST_APPLY, operation: 'Update', apiVersion: input.apiVersion, set: toFieldSet(stripForTracking(input.live), schema) };
    managers.set(managerId(owner), owner);
  }
  return managers;
}

function othersOwn(managers: Managers, exceptId: string): FieldSet {
  let owned = new FieldSet();
  for (const [id, m] of managers) if (id !== exceptId) owned = owned.union(m.set);
  return owned;
}

/**
 * The applied configuration minus what the endpoint would reset anyway
 * (kube's resetFields). Shallow: nothing below reads it but to copy from it
 * (the merge copies what it takes), so the caller's body stays as it was.
 */
function withoutResetFields(input: ServerSideApplyInput): KubeObject {
  const { applied } = input;
  if (input.subresource === 'status') {
    const { name, namespace } = applied.metadata ?? {};
    const metadata = { ...(name !== undefined ? { name } : {}), ...(namespace !== undefined ? { namespace } : {}) };
    return { apiVersion: applied.apiVersion, kind: applied.kind, metadata, ...(applied.status ? { status: applied.status } : {}) };
  }
  const copy: KubeObject = { ...applied };
  if (applied.metadata) {
    const { managedFields: _managed, ...metadata } = applied.metadata;
    copy.metadata = metadata;
  }
  for (const field of input.resetFields ?? []) delete copy[field];
  return copy;
}

/** Returns the object to store, with metadata.managedFields updated; throws ApplyConflictError. */
export function serverSideApply(input: ServerSideApplyInput): KubeObject {
  const schema = resourceSchema(input.schema);
  const managers = liveManagers(input, schema);
  const identity = { manager: input.manager, operation: 'Apply' as const, apiVersion: input.apiVersion, subresource: input.subresource };
  const id = managerId(identity);
  const previous = managers.get(id);

  const applied = withoutResetFields(input);
  const appliedSet = toFieldSet(stripForTracking(applied), schema);
  // Read-only below (mergeApplied copies it): a shallow copy is enough to drop managedFields.
  const live = { ...(input.live ?? {}) } as KubeObject;
  if (live.metadata) {
    const { managedFields: _managed, ...metadata } = live.metadata;
    live.metadata = metadata;
  }

  const merged = mergeApplied(live, applied, schema) as KubeObject;
  managers.set(id, { ...identity, time: previous?.time, set: appliedSet });
  if (previous) {
    const owned = othersOwn(managers, id);
    const stale = previous.set.difference(appliedSet);
    const droppable = FieldSet.of(stale.members().filter((p) => !owned.touches(p) && !appliedSet.touches(p)));
    removePaths(merged, schema, droppable);
  }

  const { conflicts } = transferOwnership(stripForTracking(live), stripForTracking(merged), schema, managers, id, input.force);
  if (!input.force && conflicts.size > 0) {
    const list = [...conflicts].flatMap(([otherId, set]) => {
      const other = managers.get(otherId) as Manager;
      return set.members().map((path) => ({ manager: other.manager, field: formatPath(path), message: describeManager(other) }));
    });
    throw new ApplyConflictError(list);
  }

  const changed = !deepEqual(live, merged) || !previous || !previous.set.equals(appliedSet);
  if (changed) managers.set(id, { ...identity, time: input.now, set: appliedSet });
  merged.metadata = { ...merged.metadata, managedFields: encodeManagers(managers) };
  return merged;
}
