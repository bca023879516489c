import { describe, expect, it, vi } from 'vitest';
import { defaultBackoff } from '../../../src/base/backoff.js';
import { WorkQueue } from '../../../src/controllers/work-queue.js';
import { silentLogger } from '../../../src/base/log.js';

describe('defaultBackoff', () => {
  it('doubles from 1 s and caps at 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(defaultBackoff)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });
});

/** The queue runs in memory: a few event-loop turns, given room for a loaded 2-core CI. */
const IN_MEMORY = { timeout: 5_000, interval: 10 };

describe('WorkQueue', () => {
  it('collapses adds of a waiting key into one run', async () => {
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new WorkQueue({
      name: 't',
      log: silentLogger,
      reconcile: async (k) => {
        seen.push(k);
        if (k === 'busy') await gate;
      },
    });
    q.add('busy');
    q.add('a');
    q.add('a');
    q.add('b');
    release();
    await q.idle();
    expect(seen).toEqual(['busy', 'a', 'b']);
  });

  it('runs a key added during its own run once more, never concurrently', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new WorkQueue({
      name: 't',
      log: silentLogger,
      concurrency: 4,
      reconcile: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        runs++;
        if (runs === 1) await gate;
        running--;
      },
    });
    q.add('a');
    await vi.waitFor(() => expect(runs).toBe(1), IN_MEMORY);
    q.add('a');
    q.add('a');
    release();
    await vi.waitFor(() => expect(runs).toBe(2), IN_MEMORY);
    await q.idle();
    expect(maxRunning).toBe(1);
    expect(runs).toBe(2);
  });

  it('retries failures with the injected backoff and resets it on success', async () => {
    const delays: number[] = [];
    let attempts = 0;
    const q = new WorkQueue({
      name: 't',
      log: silentLogger,
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
    const q = new WorkQueue({
      name: 't',
      log: silentLogger,
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
});
