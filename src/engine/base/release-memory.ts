import v8 from 'node:v8';
import vm from 'node:vm';

let collect: (() => void) | undefined;
let scheduled: NodeJS.Timeout | undefined;

/**
 * Runs a full garbage collection soon, once for a burst of calls. For the rare
 * moment a large amount of memory became garbage at once (a watcher cut off
 * with tens of MB queued): left to itself, V8 gives those pages back only when
 * its idle-time memory reducer runs, seconds later. The daemon is otherwise
 * idle then, so the ~50 ms pause harms nobody.
 */
export function releaseMemorySoon(delayMs = 200): void {
  scheduled ??= setTimeout(() => {
    scheduled = undefined;
    if (!collect) {
      // The documented way to reach gc() without starting node with --expose-gc.
      v8.setFlagsFromString('--expose-gc');
      collect = vm.runInNewContext('gc') as () => void;
    }
    collect();
  }, delayMs).unref();
}
