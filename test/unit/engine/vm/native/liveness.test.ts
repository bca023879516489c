import { describe, expect, it } from 'vitest';
import { LivenessTracker } from '../../../../../src/engine/vm/native/liveness.js';

describe('LivenessTracker', () => {
  it('reports a silent engine at once and calls it hung only after the grace period', () => {
    const t = new LivenessTracker(30_000);
    expect(t.observe({ socket: true, answered: true, at: 0 })).toEqual({ kind: 'healthy' });
    expect(t.observe({ socket: true, answered: false, at: 5_000 })).toEqual({ kind: 'unresponsive', since: 5_000 });
    expect(t.observe({ socket: true, answered: false, at: 34_999 })).toEqual({ kind: 'unresponsive', since: 5_000 });
    expect(t.observe({ socket: true, answered: false, at: 35_000 })).toEqual({ kind: 'hung', since: 5_000 });
  });

  it('starts the grace period again after an answer', () => {
    const t = new LivenessTracker(10_000);
    t.observe({ socket: true, answered: false, at: 0 });
    expect(t.observe({ socket: true, answered: true, at: 9_000 })).toEqual({ kind: 'healthy' });
    expect(t.observe({ socket: true, answered: false, at: 12_000 })).toEqual({ kind: 'unresponsive', since: 12_000 });
    t.reset();
    expect(t.observe({ socket: true, answered: false, at: 20_000 })).toEqual({ kind: 'unresponsive', since: 20_000 });
  });

  it('acts on a missing socket without grace', () => {
    const t = new LivenessTracker(30_000);
    expect(t.observe({ socket: false, answered: false, at: 0 })).toEqual({ kind: 'socket-missing' });
  });
});
