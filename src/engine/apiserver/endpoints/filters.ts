import type { KubeObject } from '../../kube/types.js';
import { present, servedVersion, type ResourceRequest } from '../context.js';
import { badRequest } from './errors.js';
import { matchesFields, parseFieldSelector } from '../selectors/fields.js';
import { matchesLabels, parseLabelSelector } from '../selectors/labels.js';
import { SelectorError } from '../selectors/selector-error.js';

export type Predicate = (obj: KubeObject) => boolean;

/**
 * The label and field selectors of a list or watch as one predicate;
 * undefined when there are none, so callers can skip matching (and a watch
 * reading each event's previous state) altogether. Field selectors may only
 * name metadata.name, metadata.namespace and the version's selectableFields;
 * anything else is a 400, as in kube.
 */
export function selectorPredicate(rr: ResourceRequest): Predicate | undefined {
  const labelSelector = rr.query.get('labelSelector') ?? '';
  const fieldSelector = rr.query.get('fieldSelector') ?? '';
  if (!labelSelector && !fieldSelector) return undefined;
  try {
    const labels = parseLabelSelector(labelSelector);
    const fields = parseFieldSelector(fieldSelector);
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
