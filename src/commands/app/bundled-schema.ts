import type { JSONSchemaProps } from '../../engine/kube/json-schema.js';
import { crdDir } from '../../engine/base/assets.js';
import { readCrdFiles } from '../../engine/kube/crd-files.js';
import { RddError } from '../../engine/base/errors.js';
import { APP, APP_GROUP } from '../../engine/kube/resources.js';
import type { KubeObject } from '../../engine/kube/types.js';

export const APP_CRD_NAME = `${APP.plural}.${APP_GROUP}`;

export interface CrdObject extends KubeObject {
  spec?: { versions?: { name: string; schema?: { openAPIV3Schema?: JSONSchemaProps } }[] };
}

export function specSchemaOf(crd: CrdObject): JSONSchemaProps {
  const spec = crd.spec?.versions?.find((v) => v.name === APP.version)?.schema?.openAPIV3Schema?.properties?.spec;
  if (!spec) throw new RddError(`CustomResourceDefinition "${APP_CRD_NAME}" has no ${APP.version} spec schema`);
  return spec;
}

/**
 * The App CRD this rdd ships (and its daemon serves): lets `rdd set` reject an
 * unknown property or a mistyped value before it starts anything, and feeds
 * `rdd set --help` and shell completion. Synchronous because commander asks
 * for help text synchronously.
 */
export function bundledAppSpecSchema(): JSONSchemaProps {
  const crd = readCrdFiles(crdDir).find((c) => c.metadata.name === APP_CRD_NAME);
  if (!crd) throw new RddError(`CustomResourceDefinition "${APP_CRD_NAME}" is not among the manifests in ${crdDir}`);
  return specSchemaOf(crd as CrdObject);
}
