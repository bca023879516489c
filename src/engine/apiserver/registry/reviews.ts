import type { ResourceInfo, ReviewAnswer } from './types.js';

/*
 * The review APIs clients and GUIs ask before they show an action
 * (`kubectl auth can-i`, `auth whoami`). rdd has one credential, the bearer
 * token in its kubeconfig, and whoever holds it may do everything: every
 * review answers so. Reviews are created and answered, never stored.
 */

/** Who the token holder is, as SelfSubjectReview reports it. */
export const TOKEN_USER = { username: 'rdd', groups: ['system:masters', 'system:authenticated'] };

function review(group: string, kind: string, plural: string, answer: ReviewAnswer): ResourceInfo {
  return {
    group,
    plural,
    singular: kind.toLowerCase(),
    kind,
    listKind: `${kind}List`,
    namespaced: false,
    shortNames: [],
    categories: [],
    versions: [{ name: 'v1', storage: true, statusSubresource: false, selectableFields: [], columns: [] }],
    storageKey: `${group}/${plural}`,
    builtin: true,
    verbs: ['create'],
    review: answer,
  };
}

const accessReview: ReviewAnswer = (obj) => {
  const spec = (obj.spec ?? {}) as { resourceAttributes?: unknown; nonResourceAttributes?: unknown };
  if ((spec.resourceAttributes === undefined) === (spec.nonResourceAttributes === undefined)) {
    const message = 'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified';
    return { invalid: [{ reason: 'FieldValueInvalid', field: 'spec.resourceAttributes', message }] };
  }
  return { status: { allowed: true, reason: 'rdd: the holder of the API token may do everything' } };
};

const rulesReview: ReviewAnswer = () => ({
  status: {
    resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
    nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
    incomplete: false,
  },
});

const subjectReview: ReviewAnswer = () => ({ status: { userInfo: TOKEN_USER } });

export const REVIEWS: ResourceInfo[] = [
  review('authorization.k8s.io', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', accessReview),
  review('authorization.k8s.io', 'SelfSubjectRulesReview', 'selfsubjectrulesreviews', rulesReview),
  review('authentication.k8s.io', 'SelfSubjectReview', 'selfsubjectreviews', subjectReview),
];
