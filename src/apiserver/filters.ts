import type { KubeObject } from '../kube/types.js';
import { present, servedVersion, type ResourceRequest } from './context.js';
import { badRequest } from './errors.js';
import { matchesFields, parseFieldSelector } from './selectors/fields.js';
import { matchesLabels, parseLabelSelector } from './selectors/labels.js';
import { SelectorError } from './selectors/selector-error.js';

export type Predicate = (obj: KubeObject) => boolean;

/**
 * The label and field selectors of a list or watch as one predicate. Field
 * selectors may only name metadata.name, metadata.namespace and the
 * version's selectableFields; anything else is a 400, as in kube.
 */
export function selectorPredicate(rr: ResourceRequest): Predicate {
  try {
    const labels = parseLabelSelector(rr.query.get('labelSelector') ?? '');
    const fields = parseFieldSelector(rr.query.get('fieldSelector') ?? '');
    const allowed = ['metadata.name', 'metadata.namespace', ...servedVersion(rr).selectableFields];
    for (const f of fields) {
      if (!allowed.includes(f.field)) {
        throw badRequest(`"${f.field}" is not a known field selector: only ${allowed.map((a) => `"${a}"`).join(', ')}`);
      }
    }
    // Field paths name the served view's fields (regarding.name for events.k8s.io Events).
    return (obj) => matchesLabels(labels, obj.metadata.labels) && (fields.length === 0 || matchesFields(fields, present(rr, obj)));
  } catch (err) {
    if (err instanceof SelectorError) throw badRequest(err.message);
    throw err;
  }
}

/** Whether the request filters by labels or fields at all. */
export function hasSelectors(rr: ResourceRequest): boolean {
  return Boolean(rr.query.get('labelSelector') || rr.query.get('fieldSelector'));
}
