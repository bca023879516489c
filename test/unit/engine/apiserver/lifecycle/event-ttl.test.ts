import { describe, expect, it } from 'vitest';
import { lastSeen } from '../../../../../src/engine/apiserver/lifecycle/event-ttl.js';
import type { KubeObject } from '../../../../../src/engine/kube/types.js';

const core: KubeObject = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'e', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
  firstTimestamp: '2026-01-01T00:00:00Z',
  lastTimestamp: '2026-01-01T00:05:00Z',
};

describe('event expiry', () => {
  it('takes the newest timestamp as the last change', () => {
    expect(lastSeen(core)).toBe(Date.parse('2026-01-01T00:05:00Z'));
    expect(lastSeen({ ...core, series: { count: 3, lastObservedTime: '2026-01-01T01:00:00.000000Z' } })).toBe(Date.parse('2026-01-01T01:00:00Z'));
  });
});
