/*
 * The metav1 types every object document refers to, as kube-apiserver's
 * OpenAPI v3 has them (descriptions shortened), so `kubectl explain
 * <kind>.metadata.labels` finds the field.
 */

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
export const OBJECT_META_REF = `#/components/schemas/${META}.ObjectMeta`;

const ref = (name: string, description: string) => ({ allOf: [{ $ref: `#/components/schemas/${META}.${name}` }], description });
const str = (description: string) => ({ type: 'string', default: '', description });
const strMap = (description: string) => ({ type: 'object', additionalProperties: { type: 'string', default: '' }, description });
const time = (description: string) => ref('Time', description);

export const META_SCHEMAS: Record<string, unknown> = {
  [`${META}.Time`]: { type: 'string', format: 'date-time', description: 'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.' },
  [`${META}.FieldsV1`]: { type: 'object', description: 'FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.' },
  [`${META}.OwnerReference`]: {
    type: 'object',
    description: 'OwnerReference contains enough information to let you identify an owning object.',
    required: ['apiVersion', 'kind', 'name', 'uid'],
    properties: {
      apiVersion: str('API version of the referent.'),
      kind: str('Kind of the referent.'),
      name: str('Name of the referent.'),
      uid: str('UID of the referent.'),
      controller: { type: 'boolean', description: 'If true, this reference points to the managing controller.' },
      blockOwnerDeletion: { type: 'boolean', description: 'If true, the owner cannot be deleted from the key-value store until this reference is removed (foreground deletion).' },
    },
    'x-kubernetes-map-type': 'atomic',
  },
  [`${META}.ManagedFieldsEntry`]: {
    type: 'object',
    description: 'ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.',
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion defines the version of this resource that this field set applies to.' },
      fieldsType: { type: 'string', description: 'FieldsType is the discriminator for the different fields format and version. The only valid value is "FieldsV1".' },
      fieldsV1: ref('FieldsV1', 'FieldsV1 holds the first JSON version format as described in the "FieldsV1" type.'),
      manager: { type: 'string', description: 'Manager is an identifier of the workflow managing these fields.' },
      operation: { type: 'string', description: "Operation is the type of operation which lead to this ManagedFieldsEntry being created. The only valid values for this field are 'Apply' and 'Update'." },
      subresource: { type: 'string', description: 'Subresource is the name of the subresource used to update that object, or empty string if the object was updated through the main resource.' },
      time: time('Time is the timestamp of when the ManagedFields entry was added.'),
    },
  },
  [`${META}.ObjectMeta`]: {
    type: 'object',
    description: 'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
    properties: {
      annotations: strMap('Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata.'),
      creationTimestamp: time('CreationTimestamp is a timestamp representing the server time when this object was created.'),
      deletionGracePeriodSeconds: { type: 'integer', format: 'int64', description: 'Number of seconds allowed for this object to gracefully terminate before it will be removed from the system.' },
      deletionTimestamp: time('DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted.'),
      finalizers: {
        type: 'array',
        items: { type: 'string', default: '' },
        description: 'Must be empty before the object is deleted from the registry.',
        'x-kubernetes-list-type': 'set',
        'x-kubernetes-patch-strategy': 'merge',
      },
      generateName: str('GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided.'),
      generation: { type: 'integer', format: 'int64', description: 'A sequence number representing a specific generation of the desired state.' },
      labels: strMap('Map of string keys and values that can be used to organize and categorize (scope and select) objects.'),
      managedFields: {
        type: 'array',
        items: { default: {}, allOf: [{ $ref: `#/components/schemas/${META}.ManagedFieldsEntry` }] },
        description: 'ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow.',
        'x-kubernetes-list-type': 'atomic',
      },
      name: str('Name must be unique within a namespace.'),
      namespace: str('Namespace defines the space within which each name must be unique.'),
      ownerReferences: {
        type: 'array',
        items: { default: {}, allOf: [{ $ref: `#/components/schemas/${META}.OwnerReference` }] },
        description: 'List of objects depended by this object. If ALL objects in the list have been deleted, this object will be garbage collected.',
        'x-kubernetes-list-map-keys': ['uid'],
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-patch-merge-key': 'uid',
        'x-kubernetes-patch-strategy': 'merge',
      },
      resourceVersion: str('An opaque value that represents the internal version of this object.'),
      selfLink: str('Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.'),
      uid: str('UID is the unique in time and space value for this object.'),
    },
  },
};
