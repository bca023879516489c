import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../../../src/engine/controllers/work-queue.js';
import { TerminalError } from '../../../../src/engine/base/errors.js';
import { silentLogger } from '../../../../src/engine/base/log.js';

/** A queue of string keys whose reconcile fails with what `outcome` answers for the key. */
function queue(outcome: (key: string) => Error | undefined): WorkQueue<string> {
  return new WorkQueue<string>({
    name: 't',
    idOf: (k) => k,
    log: silentLogger,
    // Long enough that no retry runs during the test.
    backoff: () => 60_000,
    reconcile: (k) => {
      const err = outcome(k);
      return err ? Promise.reject(err) : Promise.resolve();
    },
  });
}

// Keys of containers and images come and go for as long as the daemon runs.
describe('WorkQueue: what it holds on to', () => {
  it('keeps nothing of the keys it is done with', async () => {
    const q = queue(() => undefined);
    for (let i = 0; i < 100; i++) q.add(`key-${i}`);
    await q.idle();
    expect(q.size).toBe(0);
  });

  it('keeps a key that backs off after a failure, and a parked one, until they succeed', async () => {
    const failing = new Set(['retry', 'parked']);
    const q = queue((k) => (!failing.has(k) ? undefined : k === 'parked' ? new TerminalError('bad config') : new Error('engine down')));
    q.add('retry');
    q.add('parked');
    q.add('fine');
    await q.idle();
    expect(q.size).toBe(2);
    failing.clear();
    q.retry('retry');
    q.retry('parked');
    await q.idle();
    expect(q.size).toBe(0);
    await q.stop();
  });
});
