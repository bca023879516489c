/** A long-running loop inside the daemon. */
export interface Controller {
  readonly name: string;
  /** Starts watching and reconciling; resolves once the first watch is open. */
  start(): Promise<void>;
  /** Stops all loops and waits for in-flight reconciles to finish. */
  stop(): Promise<void>;
}

/** What a reconcile may ask for; throwing means "retry with backoff". */
export interface ReconcileResult {
  requeueAfterMs?: number;
}

/** What the daemon hands every controller. */
export interface ControllerDeps {
  client: import('../kube/client.js').KubeClient;
  paths: import('../base/paths.js').InstancePaths;
  log: import('../base/log.js').Logger;
}
