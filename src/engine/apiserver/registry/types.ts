import type { KubeObject, StatusCause } from '../../kube/types.js';
import type { JSONSchemaProps, PrinterColumn } from '../../kube/json-schema.js';

/*
 * What the registry knows of a served kind. The kinds (core-kinds, events,
 * reviews) and the registry that lists them all use these types, so they
 * live apart from both.
 */

export interface VersionInfo {
  name: string;
  storage: boolean;
  schema?: JSONSchemaProps;
  statusSubresource: boolean;
  /** Where the scale subresource reads and writes replicas, when the CRD declares one. */
  scale?: ScaleSpec;
  /** JSON paths like `.spec.engine` usable in field selectors, besides metadata.name/namespace. */
  selectableFields: string[];
  columns: PrinterColumn[];
}

/** A CRD's subresources.scale: JSON paths like `.spec.replicas`. */
export interface ScaleSpec {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/** A servable resource: the core Namespace, the CRD kind itself, or a custom resource. */
export interface ResourceInfo {
  group: string;
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  versions: VersionInfo[];
  /** Store key: `group/plural`. */
  storageKey: string;
  /** Namespaces and CRDs: served without a schema. */
  builtin: boolean;
  /** Discovery verbs when not the usual set. */
  verbs?: string[];
  /** A review (create-only, answered and never stored). */
  review?: ReviewAnswer;
  /** What a built-in kind does beyond its schema, as kube's registry strategies do. */
  strategy?: Strategy;
  /** Another view of a stored kind: served at its own path, stored (and admitted) as `stored`. */
  conversion?: { stored: ResourceInfo; fromStored(obj: KubeObject): KubeObject; toStored(obj: KubeObject): KubeObject };
}

/** Built-in behaviour of a kind: normalising a write, and validation a schema cannot express. */
export interface Strategy {
  /** Runs before schema validation; may change the object in place. */
  prepare?(obj: KubeObject): void;
  validate?(obj: KubeObject, live: KubeObject | undefined): StatusCause[];
}

/** Answers a review: the object with its status filled in, or the causes it is invalid. */
export type ReviewAnswer = (review: KubeObject) => { status: Record<string, unknown> } | { invalid: StatusCause[] };
