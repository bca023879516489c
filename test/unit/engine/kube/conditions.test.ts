import { describe, expect, it } from 'vitest';
import { conditionHolds, nextCondition } from '../../../../src/engine/kube/conditions.js';
import type { Condition } from '../../../../src/engine/kube/types.js';

const earlier: Condition = {
  type: 'Running',
  status: 'True',
  reason: 'Started',
  message: '',
  observedGeneration: 1,
  lastTransitionTime: '2026-01-01T00:00:00Z',
};

describe('nextCondition', () => {
  it('keeps lastTransitionTime while the status stays the same', () => {
    const c = nextCondition([earlier], { type: 'Running', status: 'True', reason: 'Started', message: 'again', observedGeneration: 2 });
    expect(c.lastTransitionTime).toBe(earlier.lastTransitionTime);
    expect(c.observedGeneration).toBe(2);
  });

  it('moves lastTransitionTime when the status flips, at second precision', () => {
    const now = new Date('2026-02-02T10:20:30.456Z');
    const c = nextCondition([earlier], { type: 'Running', status: 'False', reason: 'Stopped', message: '' }, now);
    expect(c.lastTransitionTime).toBe('2026-02-02T10:20:30Z');
  });
});

describe('conditionHolds', () => {
  it('requires status and generation to match', () => {
    expect(conditionHolds([earlier], 'Running', 'True', 1)).toBe(true);
    expect(conditionHolds([earlier], 'Running', 'True', 2)).toBe(false);
    expect(conditionHolds([earlier], 'Running', 'False', 1)).toBe(false);
    expect(conditionHolds(undefined, 'Running', 'True', 1)).toBe(false);
  });
});
