import type { JSONSchemaProps } from '../../engine/kube/json-schema.js';
import { RddError } from '../../engine/base/errors.js';
import type { KubeClient } from '../../engine/kube/client.js';
import { CRD } from '../../engine/kube/resources.js';
import { APP_CRD_NAME, specSchemaOf, type CrdObject } from './bundled-schema.js';

/** The App's spec schema as the API server serves it: the source of truth for `rdd set`. */
export async function loadAppSpecSchema(client: KubeClient): Promise<JSONSchemaProps> {
  let crd: CrdObject;
  try {
    crd = await client.get<CrdObject>(CRD, APP_CRD_NAME);
  } catch (err) {
    throw new RddError(`cannot read CustomResourceDefinition "${APP_CRD_NAME}": ${(err as Error).message}`, { cause: err });
  }
  return specSchemaOf(crd);
}
