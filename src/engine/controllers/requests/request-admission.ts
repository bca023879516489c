import { isDeepStrictEqual } from 'node:util';
import { AdmissionDenied, type AdmissionHook } from '../../kube/admission.js';
import { CONTAINERS_GROUP, type ResourceRef } from '../../kube/resources.js';
import { REQUEST_KINDS, targetField, targetOf } from './kinds.js';
import type { PendingRequests } from './pending.js';

/*
 * A request is a one-shot order: its spec is what was asked, so it never
 * changes. Two pending requests for one engine name would race each other
 * in the engine (which volume gets the labels? which pull wins?); the second
 * is refused with 409 until the first finished.
 */

function requestHook(ref: ResourceRef, pending: PendingRequests): AdmissionHook {
  return {
    name: `${ref.plural}.${CONTAINERS_GROUP}`,
    group: CONTAINERS_GROUP,
    kind: ref.kind,
    validate(req) {
      if (req.operation === 'UPDATE' && req.subResource === undefined) {
        if (!isDeepStrictEqual(req.oldObject?.spec ?? {}, req.object?.spec ?? {})) {
          throw new AdmissionDenied(`${ref.kind} ${req.namespace}/${req.name}: spec is immutable; create a new request instead`, {
            causes: [{ reason: 'FieldValueForbidden', field: 'spec', message: 'field is immutable' }],
          });
        }
        return;
      }
      if (req.operation !== 'CREATE') return;
      const target = targetOf(ref, req.object?.spec);
      const namespace = req.namespace ?? '';
      if (target === undefined) return;
      const holder = pending.holder(ref, namespace, target, req.name);
      if (holder !== undefined) {
        throw new AdmissionDenied(`${ref.kind} ${namespace}/${req.name}: ${ref.kind} ${holder} for "${target}" is still pending; wait until it finishes`, {
          code: 409,
          causes: [{ reason: 'FieldValueDuplicate', field: `spec.${targetField(ref)}`, message: `pending in ${holder}` }],
        });
      }
      if (!req.dryRun) pending.claim(ref, namespace, target, req.name);
    },
  };
}

export function requestAdmission(pending: PendingRequests): AdmissionHook[] {
  return REQUEST_KINDS.map((ref) => requestHook(ref, pending));
}
