import type { ResourceRef } from './resources.js';
import type { KubeObject, StatusCause } from './types.js';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface AdmissionRequest {
  operation: AdmissionOperation;
  group: string;
  version: string;
  kind: string;
  /** 'status' for writes through the status subresource; hooks usually ignore those. */
  subResource?: string;
  /** The request's `fieldManager` query parameter, when it has one: who says it writes. */
  fieldManager?: string;
  name: string;
  namespace?: string;
  /** The object as it will be stored (CREATE/UPDATE). Mutating hooks may change it in place. */
  object?: KubeObject;
  /** The stored object before this request (UPDATE/DELETE). */
  oldObject?: KubeObject;
  dryRun: boolean;
  /**
   * True for the daemon's own requests, made in-process through
   * `ApiServer.localClient()` (its controllers); never for an HTTPS request,
   * whatever its token, headers or field manager say. Guards that reserve a
   * write to the daemon's controllers decide on this.
   */
  inProcess?: boolean;
  /** The stored objects of a resource, for hooks that decide on other objects (webhooks would list them through the API). */
  listStored?(ref: ResourceRef): KubeObject[];
}

/**
 * An in-process admission hook, the embedded equivalent of a webhook.
 * Order per request: mutate hooks, then schema defaulting and validation,
 * then validate hooks — as in kube-apiserver.
 */
export interface AdmissionHook {
  /** Shown in denial messages: `admission webhook "<name>" denied the request: ...`. */
  name: string;
  group: string;
  kind: string;
  mutate?(request: AdmissionRequest): void | Promise<void>;
  /** Throw AdmissionDenied to reject the request. */
  validate?(request: AdmissionRequest): void | Promise<void>;
}

/** Thrown by a hook to reject a request; becomes a metav1.Status (422 Invalid by default). */
export class AdmissionDenied extends Error {
  readonly code: number;
  readonly causes: StatusCause[];

  constructor(message: string, options: { code?: number; causes?: StatusCause[] } = {}) {
    super(message);
    this.name = 'AdmissionDenied';
    this.code = options.code ?? 422;
    this.causes = options.causes ?? [];
  }
}

/**
 * A refusal worded as kube's own admission plugins word theirs:
 * `<resource> "<name>" is forbidden: <message>` (403), not as a webhook's denial.
 */
export class AdmissionForbidden extends AdmissionDenied {
  constructor(message: string, causes: StatusCause[] = []) {
    super(message, { code: 403, causes });
    this.name = 'AdmissionForbidden';
  }
}
