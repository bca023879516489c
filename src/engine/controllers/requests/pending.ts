import type { Informer } from '../../kube/informer.js';
import type { ResourceRef } from '../../kube/resources.js';
import { finishedCondition, targetOf, type RequestObject } from './kinds.js';

const CLAIM_MS = 10_000;

interface Claim {
  at: number;
  ref: ResourceRef;
  namespace: string;
  target: string;
  name: string;
}

/**
 * Which requests are pending, per kind and target name, for admission's
 * "one pending request per target". The request controller's informers are
 * the source; a create admitted but not yet seen by them is held as a claim
 * so that two creates in quick succession cannot both pass. Until the
 * informers are attached (the daemon's first moments) only claims count.
 * A claim lapses after CLAIM_MS, in case a later step refused the create.
 */
export class PendingRequests {
  private readonly informers = new Map<ResourceRef, Informer<RequestObject>>();
  private readonly claims = new Map<string, Claim>();

  attach(ref: ResourceRef, informer: Informer<RequestObject>): void {
    this.informers.set(ref, informer);
    // Once the informer has the object, it answers for it.
    informer.on((_type, obj) => this.claims.delete(claimKey(ref, obj.metadata.namespace ?? '', obj.metadata.name!)));
  }

  /** The name of another pending request of this kind claiming `target` in `namespace`. */
  holder(ref: ResourceRef, namespace: string, target: string, name: string): string | undefined {
    for (const obj of this.informers.get(ref)?.list() ?? []) {
      if (obj.metadata.namespace !== namespace || obj.metadata.name === name || finishedCondition(obj)) continue;
      if (targetOf(ref, obj.spec) === target) return obj.metadata.name;
    }
    const now = Date.now();
    for (const [key, claim] of this.claims) {
      if (now - claim.at > CLAIM_MS) this.claims.delete(key);
      else if (claim.ref === ref && claim.namespace === namespace && claim.target === target && claim.name !== name) return claim.name;
    }
    return undefined;
  }

  claim(ref: ResourceRef, namespace: string, target: string, name: string): void {
    this.claims.set(claimKey(ref, namespace, name), { at: Date.now(), ref, namespace, target, name });
  }
}

const claimKey = (ref: ResourceRef, namespace: string, name: string) => `${ref.kind} ${namespace}/${name}`;
