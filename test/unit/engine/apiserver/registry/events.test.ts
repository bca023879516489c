import { describe, expect, it } from 'vitest';
import { toCoreEvent, toEventsV1 } from '../../../../../src/engine/apiserver/registry/events.js';
import type { KubeObject } from '../../../../../src/engine/kube/types.js';

const core: KubeObject = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'e', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
  involvedObject: { kind: 'App', name: 'app' },
  reason: 'Started',
  message: 'engine started',
  type: 'Normal',
  count: 2,
  firstTimestamp: '2026-01-01T00:00:00Z',
  lastTimestamp: '2026-01-01T00:05:00Z',
  source: { component: 'rdd' },
  reportingComponent: 'rdd',
};

describe('event views', () => {
  it('shows a core event as events.k8s.io/v1 and back', () => {
    const v1 = toEventsV1(core);
    expect(v1).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      regarding: { kind: 'App', name: 'app' },
      note: 'engine started',
      reportingController: 'rdd',
      deprecatedCount: 2,
      deprecatedSource: { component: 'rdd' },
      eventTime: '2026-01-01T00:00:00.000000Z',
    });
    expect(toCoreEvent(v1)).toEqual({ ...core, eventTime: '2026-01-01T00:00:00.000000Z' });
  });
});
