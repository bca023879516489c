import type { Logger } from '../base/log.js';
import type { KubeClient } from '../kube/client.js';
import type { AdmissionHook } from '../kube/admission.js';
import type { Passthrough } from '../kube/passthrough.js';
import type { TlsMaterial } from '../kube/tls.js';
import type { StoreHealth } from './store/health.js';

export interface ApiServerOptions {
  /** Always loopback; kept as an option only so tests can assert it. Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** SQLite file; created when missing. */
  databasePath: string;
  /** Directory of CRD YAML files (apiextensions.k8s.io/v1) loaded at start. */
  crdDir: string;
  tls: TlsMaterial;
  /** Bearer token clients must present. */
  token: string;
  admission?: AdmissionHook[];
  log?: Logger;
  /** Request body limit in bytes; default 3 MiB like kube-apiserver. */
  maxBodyBytes?: number;
  /** Endpoints under a path prefix served by someone else (the engine's streams), after authentication. */
  passthrough?: Passthrough;
  /** Revisions the log keeps for watch resumption (older ones answer 410); default 10,000. */
  retainRevisions?: number;
  /** Events are deleted this long after their last change; default one hour, as in kube. */
  eventTtlSeconds?: number;
  /** An HTTPS watcher with this many bytes queued (it does not read) is cut off; default 64 MiB. */
  maxWatchBacklogBytes?: number;
  /** An in-process watcher with this many events queued is cut off; default 65,536. */
  maxWatchBacklogEvents?: number;
}

export interface ApiServer {
  readonly port: number;
  /** https://127.0.0.1:<port> */
  readonly url: string;
  /**
   * A client that calls this server in-process (no TLS, no HTTP, no token):
   * for the controllers running beside it in the daemon. Same admission,
   * validation and watch semantics as an HTTPS client; no passthrough streams.
   */
  localClient(): KubeClient;
  /** The store's health (`/healthz/store`), for the daemon's StoreHealthy condition: read in-process, changes notified. */
  readonly storeHealth: Pick<StoreHealth, 'report' | 'onChange'>;
  /**
   * The store subscriptions open watches hold (one a watch, one more with
   * bookmarks): each is released when its watch ends, also when the client
   * just goes away. A count that only grows is a leak.
   */
  watchSubscriptions(): number;
  /** Stops accepting, ends open watches, closes the store. */
  close(): Promise<void>;
}
