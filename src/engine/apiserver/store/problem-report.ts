import type { Logger } from '../../base/log.js';
import { EventRecorder, type EventSink } from '../../kube/events.js';
import { APP, APP_NAME, apiVersionOf } from '../../kube/resources.js';
import type { StoreHealth } from './health.js';

/**
 * Says each store problem where people look as soon as it starts: an ERROR
 * line in the daemon log and a Warning Event about the App (Events are
 * written even while the store refuses other writes). The App's StoreHealthy
 * condition is the store-health controller's. Returns the unsubscribe.
 */
export function reportStoreProblems(health: Pick<StoreHealth, 'report' | 'onChange'>, sink: EventSink, log: Logger): () => void {
  const events = new EventRecorder(sink, { component: 'rdd-store', onError: (err) => log.debug('cannot record a store event', { error: err }) });
  const app = { apiVersion: apiVersionOf(APP), kind: APP.kind, name: APP_NAME };
  let reported: string | undefined;
  const report = () => {
    const problem = health.report().problem;
    const key = problem && `${problem.reason} ${problem.since}`;
    if (!problem || key === reported) return;
    reported = key;
    log.error(`object store: ${problem.message}`, { reason: problem.reason });
    events.record(app, 'Warning', `Store${problem.reason}`, problem.message);
  };
  // A problem the start found is there before anyone subscribes.
  report();
  return health.onChange(report);
}
