import { describe, expect, it } from 'vitest';
import type { AppObject } from '../../../../src/engine/kube/app.js';
import { judge } from '../../../../src/commands/app/wait-settled.js';
import type { Condition } from '../../../../src/engine/kube/types.js';

const c = (type: string, status: Condition['status'], reason: string, observedGeneration: number, message = 'm'): Condition => ({
  type,
  status,
  reason,
  message,
  observedGeneration,
  lastTransitionTime: '2026-01-01T00:00:00Z',
});
const app = (conditions: Condition[]): AppObject => ({
  apiVersion: 'app.rancherdesktop.io/v1alpha1',
  kind: 'App',
  metadata: { name: 'app', generation: 4 },
  spec: { running: true },
  status: { conditions },
});

describe('judge (what rdd set waits for)', () => {
  it('is done only on Settled=True at the awaited generation or later', () => {
    expect(judge(app([c('Settled', 'True', 'Settled', 4)]), 4, '/logs').done).toBe(true);
    expect(judge(app([c('Settled', 'True', 'Settled', 5)]), 4, '/logs').done).toBe(true);
    expect(judge(app([c('Settled', 'True', 'Settled', 3)]), 4, '/logs')).toEqual({
      done: false,
      waitingFor: 'waiting for the App controller to observe generation 4',
    });
    expect(judge(app([c('Settled', 'False', 'Starting', 4, 'starting moby')]), 4, '/logs')).toEqual({
      done: false,
      waitingFor: 'starting moby',
    });
  });

  it('fails at once on Running=False/Crashed at the awaited generation, naming the logs', () => {
    expect(() => judge(app([c('Running', 'False', 'Crashed', 4, 'dockerd exited 1')]), 4, '/logs')).toThrow(
      /Running is False\/Crashed: dockerd exited 1/,
    );
  });

  it('fails at once on StartFailed (terminal: no retry is coming), naming the logs and how to retry', () => {
    try {
      judge(app([c('Running', 'False', 'StartFailed', 4, 'dockerd exited 1\nlast lines')]), 4, '/logs');
      expect.unreachable('StartFailed must fail the wait');
    } catch (err) {
      expect((err as Error).message).toMatch(/Running is False\/StartFailed: dockerd exited 1/);
      expect((err as { suggestion?: string }).suggestion).toMatch(/rdd set running=true.*\/logs/);
    }
  });

  it('keeps waiting on a retryable failure: Starting with the cause', () => {
    const verdict = judge(
      app([c('Running', 'False', 'Starting', 4), c('Settled', 'False', 'Starting', 4, 'Running False/Starting: start failed, retrying: timeout')]),
      4,
      '/logs',
    );
    expect(verdict).toEqual({ done: false, waitingFor: 'Running False/Starting: start failed, retrying: timeout' });
  });

  it('does not take a failure from before a requested retry as its outcome', () => {
    const retrying = app([c('Running', 'False', 'Crashed', 4), c('Settled', 'True', 'Settled', 4)]);
    retrying.metadata.annotations = { 'app.rancherdesktop.io/retry': '2026-01-01T00:00:00Z' };
    expect(judge(retrying, 4, '/logs').done).toBe(false);
  });

  it('ignores a failure from an earlier generation', () => {
    expect(judge(app([c('Running', 'False', 'StartFailed', 3)]), 4, '/logs').done).toBe(false);
  });

  it('fails when the App is deleted', () => {
    expect(() => judge(undefined, 4, '/logs')).toThrow(/deleted/);
  });
});
