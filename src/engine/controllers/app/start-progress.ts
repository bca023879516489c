import type { Logger } from '../../base/log.js';
import { FIRST_START_PREFIX } from '../../kube/app.js';
import type { StartProgress } from '../../vm/driver.js';

const PROGRESS_INTERVAL_MS = 2000;

export interface StartProgressReporter {
  /** The driver's progress callback. */
  report: (progress: StartProgress) => void;
  /** Ends the reporting and waits for the last write: no late line may overwrite the start's outcome. */
  settle: () => Promise<void>;
}

/**
 * A long start (a first Lima create downloads an image and installs the engine) reports its
 * steps as Running's message, so `rdd set` shows them and knows the start is alive; at most one
 * write every PROGRESS_INTERVAL_MS, the last step always. Writes run one after the other; a
 * failed one is logged, not thrown: progress is a courtesy.
 */
export function startProgressReporter(write: (message: string) => Promise<void>, log: Logger): StartProgressReporter {
  let lastWrite = 0;
  let pending: NodeJS.Timeout | undefined;
  let chain = Promise.resolve();
  let settled = false;
  const report = (progress: StartProgress) => {
    if (settled) return;
    const message = progress.firstCreate ? `${FIRST_START_PREFIX}${progress.message}` : progress.message;
    const writeNow = () => {
      lastWrite = Date.now();
      chain = chain.then(() => write(message)).catch((err: unknown) => log.warn('cannot report start progress', { error: err }));
    };
    clearTimeout(pending);
    const wait = lastWrite + PROGRESS_INTERVAL_MS - Date.now();
    if (wait <= 0) writeNow();
    else pending = setTimeout(writeNow, wait).unref();
  };
  const settle = async () => {
    settled = true;
    clearTimeout(pending);
    await chain;
  };
  return { report, settle };
}
