import type { AppObject } from './app.js';
import { isGone, type KubeClient } from './client.js';
import { APP, APP_NAME } from './resources.js';
import type { KubeObject, Status } from './types.js';
import type { Logger } from '../base/log.js';
import { defaultBackoff, type BackoffFn } from '../base/backoff.js';

export interface WatchAppOptions {
  signal: AbortSignal;
  log: Logger;
  /** Called with the App after every list and change; undefined when it does not exist (or was deleted). */
  onChange: (app: AppObject | undefined) => void;
  /** Called once, after the first successful list. */
  onListed?: () => void;
  backoff?: BackoffFn;
}

const FIELD_SELECTOR = `metadata.name=${APP_NAME}`;

function isStatus(obj: KubeObject | Status): obj is Status {
  return obj.kind === 'Status';
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/**
 * An informer for the App singleton: list, then watch from the list's
 * resourceVersion; a 410 Gone (HTTP or ERROR event) forces a relist; a closed
 * stream re-watches from the last version seen; errors reconnect with
 * backoff (reset by any event). Runs until `signal` aborts.
 */
export async function watchApp(client: KubeClient, opts: WatchAppOptions): Promise<void> {
  const backoff = opts.backoff ?? defaultBackoff;
  const { signal, log } = opts;
  let resourceVersion: string | undefined;
  let failures = 0;
  let listed = false;
  while (!signal.aborted) {
    try {
      if (resourceVersion === undefined) {
        const list = await client.list<AppObject>(APP, { fieldSelector: FIELD_SELECTOR });
        resourceVersion = list.metadata.resourceVersion;
        opts.onChange(list.items.find((a) => a.metadata.name === APP_NAME));
        if (!listed) {
          listed = true;
          opts.onListed?.();
        }
      }
      await client.watch<AppObject>(APP, { resourceVersion, fieldSelector: FIELD_SELECTOR, signal }, (event) => {
        failures = 0;
        const obj = event.object;
        if (event.type === 'ERROR') {
          if (isStatus(obj) && obj.code === 410) resourceVersion = undefined;
          else log.warn('App watch reported an error', { status: isStatus(obj) ? obj.message : undefined });
          return;
        }
        if (isStatus(obj)) return;
        if (obj.metadata.resourceVersion) resourceVersion = obj.metadata.resourceVersion;
        if (event.type === 'BOOKMARK') return;
        opts.onChange(event.type === 'DELETED' ? undefined : (obj as AppObject));
      });
    } catch (err) {
      if (signal.aborted) break;
      if (isGone(err)) {
        resourceVersion = undefined;
        continue;
      }
      failures++;
      const delay = backoff(failures);
      log.warn(`App "${APP_NAME}" watch failed, reconnecting in ${delay} ms`, { error: err });
      await abortableDelay(delay, signal);
    }
  }
}
