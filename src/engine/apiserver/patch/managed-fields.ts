/** managedFields for non-apply writes (create, update, merge/JSON patch), as kube tracks them. */
import type { JSONSchemaProps } from '../../kube/json-schema.js';
import type { KubeObject, ManagedFieldsEntry } from '../../kube/types.js';
import { decodeManagers, encodeManagers, managerId, transferOwnership, type Managers } from './managers.js';
import { resourceSchema, stripForTracking, toFieldSet } from './typed-value.js';

export interface TrackUpdateInput {
  live?: KubeObject;
  updated: KubeObject;
  manager: string;
  schema: JSONSchemaProps;
  subresource?: string;
  apiVersion: string;
  now: string;
  operation: 'Update';
}

/** `managedFields: [{}]` in a request clears the history, as in kube. */
function isReset(entries: ManagedFieldsEntry[] | undefined): boolean {
  return entries !== undefined && entries.length === 1 && Object.keys(entries[0]).length === 0;
}

/**
 * The managers before this write: a request may set managedFields itself
 * (except through a subresource); a request without them keeps the live ones.
 */
function baseline(input: TrackUpdateInput): Managers {
  const requested = input.updated.metadata?.managedFields;
  if (!input.subresource) {
    if (isReset(requested)) return new Map();
    const fromRequest = decodeManagers(requested);
    if (fromRequest.size > 0) return fromRequest;
  }
  return decodeManagers(input.live?.metadata?.managedFields);
}

/**
 * The new managedFields after `manager` turned `live` into `updated`: the
 * fields it added or changed become its own and leave every other manager;
 * removed fields leave everyone. Entries left empty disappear.
 */
export function trackUpdate(input: TrackUpdateInput): ManagedFieldsEntry[] {
  return encodeManagers(managersAfterUpdate(input));
}

function managersAfterUpdate(input: TrackUpdateInput): Managers {
  const schema = resourceSchema(input.schema);
  const managers = baseline(input);
  const identity = { manager: input.manager, operation: input.operation, apiVersion: input.apiVersion, subresource: input.subresource };
  const id = managerId(identity);
  // Like kube, compare as a fresh "current operation" so the manager's own
  // entry is trimmed of removed fields too, then merged back.
  const { comparison } = transferOwnership(stripForTracking(input.live), stripForTracking(input.updated), schema, managers, '', true);
  const taken = comparison.modified.union(comparison.added).difference(comparison.removed);
  const kept = managers.get(id);
  if (!taken.isEmpty()) {
    managers.set(id, { ...identity, time: input.now, set: (kept?.set ?? taken).union(taken) });
  }
  return managers;
}

export interface TrackCreateWithStatusInput {
  /** The new object as admitted, status included. */
  created: KubeObject;
  /** The status as the request sent it, before defaulting: what the apply owns. */
  appliedStatus: Record<string, unknown>;
  manager: string;
  schema: JSONSchemaProps;
  apiVersion: string;
  now: string;
}

/**
 * The managedFields of `manager` creating an object (an Update of all but
 * its status, which the create endpoint resets) and then force-applying
 * `appliedStatus` through /status, as serverSideApply would leave them: on a
 * new object nobody else owns any status field, so the apply only adds its
 * own entry, and there is nothing to merge, compare or take over.
 */
export function trackCreateWithStatus(input: TrackCreateWithStatusInput): ManagedFieldsEntry[] {
  const { status: _status, ...withoutStatus } = input.created;
  const base = { manager: input.manager, schema: input.schema, apiVersion: input.apiVersion, now: input.now };
  const managers = managersAfterUpdate({ ...base, updated: withoutStatus as KubeObject, operation: 'Update' });
  const applier = { manager: input.manager, operation: 'Apply' as const, apiVersion: input.apiVersion, subresource: 'status' };
  const set = toFieldSet({ status: input.appliedStatus }, resourceSchema(input.schema));
  managers.set(managerId(applier), { ...applier, time: input.now, set });
  return encodeManagers(managers);
}
