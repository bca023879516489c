import type { BackoffFn } from '../base/backoff.js';
import type { Logger } from '../base/log.js';
import { appInformer, type AppObject } from '../kube/app.js';
import type { KubeClient } from '../kube/client.js';
import type { Informer, InformerListener } from '../kube/informer.js';
import { APP_NAME } from '../kube/resources.js';

/**
 * The App a controller reads. In the daemon every controller shares one
 * informer, started first and stopped last (daemon/components.ts); a
 * controller run alone (tests, benches) gets its own. Either way `start`
 * waits until it has synced and `stop` removes the controller's listeners;
 * only an informer of its own is stopped with the controller.
 */
export class AppSource {
  private readonly informer: Informer<AppObject>;
  private readonly owned: boolean;
  private readonly listeners: (() => void)[] = [];

  constructor(client: KubeClient, shared: Informer<AppObject> | undefined, log: Logger, backoff?: BackoffFn) {
    this.owned = shared === undefined;
    this.informer = shared ?? appInformer(client, log, backoff);
  }

  get(): AppObject | undefined {
    return this.informer.get(APP_NAME);
  }

  on(listener: InformerListener<AppObject>): void {
    this.listeners.push(this.informer.on(listener));
  }

  start(): Promise<void> {
    return this.informer.start();
  }

  async stop(): Promise<void> {
    for (const off of this.listeners.splice(0)) off();
    if (this.owned) await this.informer.stop();
  }
}
