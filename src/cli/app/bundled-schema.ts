import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Yaml from 'yaml';
import type { JSONSchemaProps } from '../../kube/json-schema.js';
import { crdDir } from '../../base/assets.js';
import { RddError } from '../../base/errors.js';
import { APP, APP_GROUP } from '../../kube/resources.js';
import type { KubeObject } from '../../kube/types.js';

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
 * for help text synchronously; yaml (over 100 ms to import) is loaded only
 * here, so the commands that never need it (`rdd version`) do not pay for it.
 */
export function bundledAppSpecSchema(): JSONSchemaProps {
  const { parse } = createRequire(import.meta.url)('yaml') as typeof Yaml;
  return specSchemaOf(parse(readFileSync(path.join(crdDir, 'app.yaml'), 'utf8')) as CrdObject);
}
