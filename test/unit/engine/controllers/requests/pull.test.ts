import { describe, expect, it } from 'vitest';
import { PullTracker } from '../../../../../src/engine/controllers/requests/pull.js';

describe('PullTracker', () => {
  it("folds docker's pull events into layer and byte counts", () => {
    const t = new PullTracker();
    expect(t.apply({ id: 'latest', status: 'Pulling from library/busybox' })).toBe(false);
    expect(t.apply({ status: 'Digest: sha256:abc' })).toBe(false);
    t.apply({ id: 'a', status: 'Pulling fs layer' });
    t.apply({ id: 'b', status: 'Already exists' });
    t.apply({ id: 'a', status: 'Downloading', progressDetail: { current: 100, total: 400 } });
    expect(t.progress()).toEqual({ layersDone: 1, layersTotal: 2, bytesDone: 100, bytesTotal: 400, summary: '1/2' });
    t.apply({ id: 'a', status: 'Download complete' });
    t.apply({ id: 'a', status: 'Extracting', progressDetail: { current: 50, total: 900 } });
    t.apply({ id: 'a', status: 'Pull complete' });
    expect(t.progress()).toEqual({ layersDone: 2, layersTotal: 2, bytesDone: 400, bytesTotal: 400, summary: '2/2' });
  });
});
