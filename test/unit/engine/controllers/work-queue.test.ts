import { describe, expect, it, vi } from 'vitest';
import { defaultBackoff } from '../../../../src/engine/base/backoff.js';
import { WorkQueue, type WorkQueueOptions } from '../../../../src/engine/controllers/work-queue.js';
import { TerminalError } from '../../../../src/engine/base/errors.js';
import { silentLogger } from '../../../../src/engine/base/log.js';
import { gate } from '../../../support/gate.js';

describe('defaultBackoff', () => {
  it('doubles from 1 s and caps at 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(defaultBackoff)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });
});

/** The queue runs in memory: a few event-loop turns, given room for a loaded 2-core CI. */
const IN_MEMORY = { timeout: 5_000, interval: 10 };

/** A queue of string keys, each key its own id. */
function stringQueue(options: Omit<WorkQueueOptions<string>, 'idOf' | 'name' | 'log'>): WorkQueue<string> {
  return new WorkQueue<string>({ idOf: (k) => k, name: 't', log: silentLogger, ...options });
}


describe('WorkQueue', () => {
  it('collapses adds of a waiting key into one run', async () => {
    const seen: string[] = [];
    const busy = gate();
    const q = stringQueue({
      reconcile: async (k) => {
        seen.push(k);
        if (k === 'busy') await busy.opened;
      },
    });
    q.add('busy');
    q.add('a');
    q.add('a');
    q.add('b');
    busy.open();
    await q.idle();
    expect(seen).toEqual(['busy', 'a', 'b']);
  });

  it('runs a key added during its own run once more, never concurrently', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const busy = gate();
    const q = stringQueue({
      concurrency: 4,
      reconcile: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        runs++;
        if (runs === 1) await busy.opened;
        running--;
      },
    });
    q.add('a');
    await vi.waitFor(() => expect(runs).toBe(1), IN_MEMORY);
    q.add('a');
    q.add('a');
    busy.open();
    await vi.waitFor(() => expect(runs).toBe(2), IN_MEMORY);
    await q.idle();
    expect(maxRunning).toBe(1);
    expect(runs).toBe(2);
  });

  it('retries failures with the injected backoff and resets it on success', async () => {
    const delays: number[] = [];
    let attempts = 0;
    const q = stringQueue({
      backoff: (n) => {
        delays.push(n);
        return 1;
      },
      reconcile: async () => {
        attempts++;
        if (attempts < 3) throw new Error('boom');
      },
    });
    q.add('k');
    await vi.waitFor(() => expect(attempts).toBe(3), IN_MEMORY);
    expect(delays).toEqual([1, 2]);
  });

  it('honours requeueAfterMs and drops everything on stop', async () => {
    let runs = 0;
    const q = stringQueue({
      reconcile: async () => {
        runs++;
        return { requeueAfterMs: 1 };
      },
    });
    q.add('k');
    await vi.waitFor(() => expect(runs).toBeGreaterThanOrEqual(2), IN_MEMORY);
    await q.stop();
    const after = runs;
    q.add('k');
    await q.idle();
    expect(runs).toBe(after);
  });

  it('never lets an event shorten the backoff of a failing key', async () => {
    let attempts = 0;
    const backoffOver = gate();
    const q = stringQueue({
      backoff: () => 60_000,
      reconcile: async () => {
        attempts++;
        if (attempts === 1) throw new Error('boom');
        backoffOver.open();
      },
    });
    q.add('k');
    await vi.waitFor(() => expect(attempts).toBe(1), { timeout: 5000 });
    await q.idle();
    // What a controller's own status write looks like: the watch echoes it back at once, many times.
    for (let i = 0; i < 50; i++) q.add('k');
    await q.idle();
    expect(attempts).toBe(1);
    // A real change of input does not wait.
    q.retry('k');
    await backoffOver.opened;
    expect(attempts).toBe(2);
    await q.stop();
  });

  it('parks a key after a TerminalError until retry', async () => {
    const outcomes: string[] = [];
    let fail = true;
    const q = new WorkQueue<{ name: string }>({
      idOf: (k) => k.name,
      name: 't',
      log: silentLogger,
      backoff: () => 1,
      reconcile: async (k) => {
        outcomes.push(k.name);
        if (fail) throw new Error('start failed', { cause: new TerminalError('dockerd is not installed') });
      },
    });
    q.add({ name: 'app' });
    await vi.waitFor(() => expect(outcomes).toEqual(['app']), { timeout: 5000 });
    await q.idle();
    // Neither an add nor a timer runs a parked key: checked over a window well past the timer, on faked timers.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      q.add({ name: 'app' });
      q.addAfter({ name: 'app' }, 1);
      await vi.advanceTimersByTimeAsync(60_000);
      await q.idle();
    } finally {
      vi.useRealTimers();
    }
    expect(outcomes).toEqual(['app']);
    fail = false;
    q.retry({ name: 'app' });
    await vi.waitFor(() => expect(outcomes).toEqual(['app', 'app']), { timeout: 5000 });
    await q.stop();
  });

  it('runs a failed key again at once when retry() came while it ran, instead of backing off', async () => {
    const runs: number[] = [];
    const busy = gate();
    const q = stringQueue({
      backoff: () => 600_000,
      reconcile: async () => {
        runs.push(runs.length);
        if (runs.length === 1) {
          await busy.opened;
          throw new Error('conflict: read a stale object');
        }
      },
    });
    q.add('app');
    await vi.waitFor(() => expect(runs).toEqual([0]));
    // New input arrives while the first run works on the old one, which then fails.
    q.retry('app');
    busy.open();
    await vi.waitFor(() => expect(runs).toEqual([0, 1]), { timeout: 5000 });
    await q.stop();
  });

  it('runs a key again after a run during which it changed, even while it had failed before', async () => {
    const runs: number[] = [];
    const busy = gate();
    let n = 0;
    const q = stringQueue({
      backoff: () => 1,
      reconcile: async () => {
        n++;
        runs.push(n);
        if (n === 1) throw new Error('first attempt fails');
        if (n === 2) await busy.opened;
      },
    });
    q.add('k');
    await vi.waitFor(() => expect(runs).toEqual([1, 2]), { timeout: 5000 });
    q.add('k'); // arrives while the retry runs
    busy.open();
    await vi.waitFor(() => expect(runs).toEqual([1, 2, 3]), { timeout: 5000 });
    await q.stop();
  });
});
