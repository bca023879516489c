import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkQueue, type WorkQueueOptions } from '../../../../src/engine/controllers/work-queue.js';
import { TerminalError } from '../../../../src/engine/base/errors.js';
import { createLogger, silentLogger } from '../../../../src/engine/base/log.js';
import { gate } from '../../../support/gate.js';

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
    await expectRetryAtBackoffEnd(q, () => runs);
    await q.stop();
  });

  it('backs off a failed key even when its own addAfter() timer fired while it ran', async () => {
    let runs = 0;
    const busy = gate();
    const q = queue({
      backoff: () => 1000,
      reconcile: async () => {
        if (++runs > 1) return;
        await busy.opened;
        throw new Error('conflict');
      },
    });
    q.add('app');
    q.addAfter('app', 1);
    await vi.advanceTimersByTimeAsync(1);
    busy.open();
    await expectRetryAtBackoffEnd(q, () => runs);
    await q.stop();
  });

  it('backs off a key that fails after a retry() made while it was idle: only a retry during a run is new input', async () => {
    let runs = 0;
    const q = queue({ backoff: () => 1000, reconcile: () => Promise.reject(new Error(`failure ${++runs}`)) });
    q.retry('app');
    await expectRetryAtBackoffEnd(q, () => runs);
    await q.stop();
  });

  it('runs a key again with the key object a retry() gave while it ran', async () => {
    const seen: number[] = [];
    const busy = gate();
    const q = new WorkQueue<{ name: string; generation: number }>({
      idOf: (k) => k.name,
      name: 't',
      log: silentLogger,
      reconcile: async (k) => {
        seen.push(k.generation);
        if (seen.length === 1) await busy.opened;
      },
    });
    q.add({ name: 'app', generation: 1 });
    q.retry({ name: 'app', generation: 2 });
    busy.open();
    await q.idle();
    expect(seen).toEqual([1, 2]);
    await q.stop();
  });

  it('keeps the key of a key that waits behind another for its next run', async () => {
    const seen: (string | undefined)[] = [];
    const busy = gate();
    const q = queue({
      reconcile: async (k) => {
        seen.push(k);
        if (seen.length === 1) await busy.opened;
      },
    });
    q.add('a');
    q.add('b');
    // Added again while it runs: it runs once more, after b, which waited first.
    q.add('a');
    busy.open();
    await q.idle();
    expect(seen).toEqual(['a', 'b', 'a']);
    await q.stop();
  });

  it('an add() runs a key that waits for its requeueAfter at once, and the timer no longer fires', async () => {
    let runs = 0;
    const q = queue({ reconcile: () => Promise.resolve(++runs === 1 ? { requeueAfterMs: 1000 } : undefined) });
    q.add('app');
    await q.idle();
    q.add('app');
    await q.idle();
    expect(runs).toBe(2);
    await vi.advanceTimersByTimeAsync(5000);
    await q.idle();
    expect(runs).toBe(2);
    await q.stop();
  });

  it('idle() waits for the running key and for every key waiting behind it', async () => {
    const finished: string[] = [];
    const busy = gate();
    const q = queue({
      reconcile: async (k) => {
        if (k === 'a') await busy.opened;
        // b takes queue time: idle() must not resolve when it merely starts.
        else await new Promise((resolve) => setTimeout(resolve, 10));
        finished.push(k);
      },
    });
    q.add('a');
    q.add('b');
    let seenAtIdle: string[] | undefined;
    const idle = q.idle().then(() => (seenAtIdle = [...finished]));
    busy.open();
    await vi.advanceTimersByTimeAsync(10);
    await idle;
    expect(seenAtIdle).toEqual(['a', 'b']);
    await q.stop();
  });

  it('parks a key on a TerminalError: neither add() nor a timer runs it, a minute later still', async () => {
    let runs = 0;
    const q = queue({ backoff: () => 1, reconcile: () => Promise.reject(new Error('start failed', { cause: new TerminalError(`run ${++runs}`) })) });
    q.add('app');
    await q.idle();
    q.add('app');
    q.addAfter('app', 1);
    await vi.advanceTimersByTimeAsync(60_000);
    await q.idle();
    expect(runs).toBe(1);
    q.retry('app');
    await q.idle();
    expect(runs).toBe(2);
    await q.stop();
  });

  it('says in the log why a key runs again, waits, or is parked', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', format: 'text', write: (l) => lines.push(l) });
    const busy = gate();
    let runs = 0;
    const q = queue({
      log,
      backoff: () => 1000,
      reconcile: async (k) => {
        runs++;
        if (k === 'renewed' && runs === 1) {
          await busy.opened;
          throw new Error('stale read');
        }
        if (k === 'terminal') throw new Error('no engine', { cause: new TerminalError('not installed') });
        if (k === 'failing') throw new Error('conflict');
      },
    });
    q.add('renewed');
    q.retry('renewed');
    busy.open();
    await q.idle();
    q.add('terminal');
    await q.idle();
    q.add('failing');
    await q.idle();
    const text = lines.join('\n');
    expect(text).toMatch(/t: reconcile of renewed failed; its input changed meanwhile, running it again.*stale read/);
    expect(text).toMatch(/t: reconcile of terminal failed; not retrying until its input changes.*no engine/);
    expect(text).toMatch(/t: reconcile of failing failed \(1 in a row\), retrying in 1000 ms.*conflict/);
    await q.stop();
  });
});

/** A queue of string keys, each key its own id. */
/** After the key's first, failed run: no second run a millisecond before its 1000 ms backoff ends, one when it does. */
async function expectRetryAtBackoffEnd(q: WorkQueue<string>, runs: () => number): Promise<void> {
  await q.idle();
  await vi.advanceTimersByTimeAsync(999);
  await q.idle();
  expect(runs()).toBe(1);
  await vi.advanceTimersByTimeAsync(1);
  await q.idle();
  expect(runs()).toBe(2);
}

function queue(options: Omit<WorkQueueOptions<string>, 'idOf' | 'name' | 'log'> & { log?: WorkQueueOptions<string>['log'] }): WorkQueue<string> {
  return new WorkQueue<string>({ idOf: (k) => k, name: 't', log: silentLogger, ...options });
}

