import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkQueue } from '../../../../src/engine/controllers/work-queue.js';
import { silentLogger } from '../../../../src/engine/base/log.js';

// The queue's timers are faked, so "nothing runs inside the backoff" is
// checked over the whole backoff window, not right after the failure.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('WorkQueue backoff', () => {
  it('does not run a key again inside its backoff when its failing reconcile add()ed the key itself', async () => {
    let runs = 0;
    const q: WorkQueue<string> = new WorkQueue<string>({
      idOf: (k) => k,
      name: 't',
      log: silentLogger,
      backoff: () => 1000,
      reconcile: async (k) => {
        runs++;
        if (runs > 1) return;
        // A controller's own status write comes back as a watch event while it runs, then the run fails.
        q.add(k);
        throw new Error('status write conflicted');
      },
    });
    q.add('app');
    await q.idle();
    await vi.advanceTimersByTimeAsync(999);
    await q.idle();
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await q.idle();
    expect(runs).toBe(2);
    await q.stop();
  });
});
