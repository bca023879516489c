import { ENGINE_CONTROLLER_MANAGER } from '../../kube/app.js';
import { isConflict, type KubeClient } from '../../kube/client.js';
import { CONTAINER_NAMESPACE, NAMESPACE, apiVersionOf, type ResourceRef } from '../../kube/resources.js';
import { MOBY_NAMESPACE } from '../../kube/containers.js';

async function ensureExists(client: KubeClient, ref: ResourceRef, name: string, namespace?: string): Promise<boolean> {
  if (await client.find(ref, name, namespace)) return false;
  try {
    await client.create(
      ref,
      { apiVersion: apiVersionOf(ref), kind: ref.kind, metadata: { name, ...(namespace ? { namespace } : {}) } },
      { namespace, fieldManager: ENGINE_CONTROLLER_MANAGER },
    );
    return true;
  } catch (err) {
    if (isConflict(err)) return false;
    throw new Error(`cannot create ${ref.kind} ${namespace ? `${namespace}/` : ''}${name}: ${(err as Error).message}`, { cause: err });
  }
}

/** The API namespace the mirrors live in (App spec.namespace). */
export function ensureApiNamespace(client: KubeClient, namespace: string): Promise<boolean> {
  return ensureExists(client, NAMESPACE, namespace);
}

/** ContainerNamespace `moby`: metadata only, no finalizer; re-created whenever it is found missing (docs/design-rules.md#moby-namespace-recreated). */
export function ensureMobyNamespace(client: KubeClient, namespace: string): Promise<boolean> {
  return ensureExists(client, CONTAINER_NAMESPACE, MOBY_NAMESPACE, namespace);
}
