import { setTimeout as delay } from 'node:timers/promises';
import { isGone, type KubeClient } from '../../kube/client.js';
import type { ResourceRef } from '../../kube/resources.js';
import type { KubeObject, Status, WatchEventType } from '../../kube/types.js';
import type { Logger } from '../../base/log.js';
import type { BackoffFn } from '../../base/backoff.js';

export interface ApiWatchOptions {
  client: KubeClient;
  ref: ResourceRef;
  signal: AbortSignal;
  log: Logger;
  backoff: BackoffFn;
  /** Every listed object arrives as ADDED; must not throw (it only enqueues keys). */
  onEvent(type: Exclude<WatchEventType, 'BOOKMARK' | 'ERROR'>, obj: KubeObject): void;
}

/**
 * List, then watch from the list's resourceVersion, forever: a closed
 * stream re-watches from the last version seen, a 410 relists, any other
 * failure relists after a backoff. Resolves once the first list is done.
 */
export async function watchResource(opts: ApiWatchOptions): Promise<void> {
  const { client, ref, signal, log } = opts;
  let resourceVersion: string | undefined;
  const emit = (type: Exclude<WatchEventType, 'BOOKMARK' | 'ERROR'>, obj: KubeObject) => {
    try {
      opts.onEvent(type, obj);
    } catch (err) {
      log.error(`${ref.kind} watch handler failed`, { error: err });
    }
  };
  const relist = async () => {
    const list = await client.list(ref);
    resourceVersion = list.metadata.resourceVersion;
    for (const item of list.items) emit('ADDED', item);
  };

  await relist();
  void (async () => {
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (resourceVersion === undefined) await relist();
        let gone = false;
        await client.watch(ref, { resourceVersion, signal }, (event) => {
          if (event.type === 'ERROR') {
            gone = (event.object as Status).code === 410;
            return;
          }
          const obj = event.object as KubeObject;
          if (obj.metadata?.resourceVersion) resourceVersion = obj.metadata.resourceVersion;
          if (event.type !== 'BOOKMARK') emit(event.type, obj);
        });
        if (gone) resourceVersion = undefined;
        failures = 0;
      } catch (err) {
        if (signal.aborted) break;
        if (!isGone(err)) {
          failures++;
          log.warn(`${ref.kind} watch failed, relisting`, { error: err });
          await delay(opts.backoff(failures), undefined, { signal }).catch(() => undefined);
        }
        resourceVersion = undefined;
      }
    }
  })();
}
