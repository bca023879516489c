import type { KubeObject } from '../../kube/types.js';

/*
 * A stored object's name and uid. Every stored object has both: admission
 * refuses an object without a name, and the registry gives each one a uid.
 * The fallbacks only meet ObjectMeta's optional types and are never taken.
 */

// Stryker disable next-line StringLiteral: never taken (above)
export const nameOf = (obj: KubeObject): string => obj.metadata.name ?? '';
// Stryker disable next-line StringLiteral: never taken (above)
export const uidOf = (obj: KubeObject): string => obj.metadata.uid ?? '';
