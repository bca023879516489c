import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import type { JSONSchemaProps } from '../../kube/json-schema.js';
import { crdDir } from '../../base/assets.js';
import { RddError } from '../../base/errors.js';
import type { KubeClient } from '../../kube/client.js';
import { APP, APP_GROUP, CRD } from '../../kube/resources.js';
import type { KubeObject } from '../../kube/types.js';

export const APP_CRD_NAME = `${APP.plural}.${APP_GROUP}`;

interface CrdObject extends KubeObject {
  spec?: { versions?: { name: string; schema?: { openAPIV3Schema?: JSONSchemaProps } }[] };
}

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

/**
 * The App CRD this rdd ships (and its daemon serves): lets `rdd set` reject an
 * unknown property before it starts anything.
 */
export async function bundledAppSpecSchema(): Promise<JSONSchemaProps> {
  return specSchemaOf(parse(await readFile(path.join(crdDir, 'app.yaml'), 'utf8')) as CrdObject);
}

function specSchemaOf(crd: CrdObject): JSONSchemaProps {
  const spec = crd.spec?.versions?.find((v) => v.name === APP.version)?.schema?.openAPIV3Schema?.properties?.spec;
  if (!spec) throw new RddError(`CustomResourceDefinition "${APP_CRD_NAME}" has no ${APP.version} spec schema`);
  return spec;
}
