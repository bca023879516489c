import { describe, expect, it } from 'vitest';
import type { AppObject } from '../../../../src/engine/kube/app.js';
import { computeSettled } from '../../../../src/engine/kube/app.js';
import type { Condition } from '../../../../src/engine/kube/types.js';

const T = '2026-01-01T00:00:00Z';
const cond = (type: string, status: Condition['status'], reason: string, observedGeneration: number | undefined, message = ''): Condition => ({
  type,
  status,
  reason,
  message,
  observedGeneration,
  lastTransitionTime: T,
});
const app = (spec: AppObject['spec'], generation: number, conditions: Condition[]): AppObject => ({
  apiVersion: 'app.rancherdesktop.io/v1alpha1',
  kind: 'App',
  metadata: { name: 'app', generation },
  spec,
  status: { conditions },
});

const running = { running: true };
const containerd = { running: true, containerEngine: { name: 'containerd' as const } };
const stopped = { running: false };

describe('computeSettled', () => {
  it.each([
    ['running moby, both terminal', running, 3, [cond('Running', 'True', 'Started', 3), cond('ContainerEngineReady', 'True', 'Connected', 3)], 'True', 'Settled'],
    ['running containerd, NotApplicable is terminal', containerd, 2, [cond('Running', 'True', 'Started', 2), cond('ContainerEngineReady', 'True', 'NotApplicable', 2)], 'True', 'Settled'],
    ['containerd must not settle on Connected', containerd, 2, [cond('Running', 'True', 'Started', 2), cond('ContainerEngineReady', 'True', 'Connected', 2)], 'False', 'Connected'],
    ['moby must not settle on NotApplicable', running, 2, [cond('Running', 'True', 'Started', 2), cond('ContainerEngineReady', 'True', 'NotApplicable', 2)], 'False', 'NotApplicable'],
    ['stopped, both stopped', stopped, 5, [cond('Running', 'False', 'Stopped', 5), cond('ContainerEngineReady', 'False', 'Stopped', 5)], 'True', 'Settled'],
    ['empty spec means stopped', undefined, 1, [cond('Running', 'False', 'Stopped', 1), cond('ContainerEngineReady', 'False', 'Stopped', 1)], 'True', 'Settled'],
    ['stale Running from an earlier generation', running, 4, [cond('Running', 'True', 'Started', 3), cond('ContainerEngineReady', 'True', 'Connected', 4)], 'False', 'Pending'],
    ['stale ContainerEngineReady', running, 4, [cond('Running', 'True', 'Started', 4), cond('ContainerEngineReady', 'True', 'Connected', 3)], 'False', 'Pending'],
    ['engine condition without a generation', running, 4, [cond('Running', 'True', 'Started', 4), cond('ContainerEngineReady', 'True', 'Connected', undefined)], 'False', 'Pending'],
    ['no engine condition yet', running, 1, [cond('Running', 'True', 'Started', 1)], 'False', 'Pending'],
    ['no conditions at all', running, 1, [], 'False', 'Pending'],
    ['still starting', running, 2, [cond('Running', 'False', 'Starting', 2), cond('ContainerEngineReady', 'False', 'Stopped', 2)], 'False', 'Starting'],
    ['start failed', running, 2, [cond('Running', 'False', 'StartFailed', 2, 'dockerd: permission denied')], 'False', 'StartFailed'],
    ['crashed', running, 2, [cond('Running', 'False', 'Crashed', 2), cond('ContainerEngineReady', 'False', 'ConnectFailed', 2)], 'False', 'Crashed'],
    ['engine not connected yet', running, 2, [cond('Running', 'True', 'Started', 2), cond('ContainerEngineReady', 'False', 'ConnectFailed', 2, 'ECONNREFUSED')], 'False', 'ConnectFailed'],
    ['stop failed', stopped, 3, [cond('Running', 'False', 'StopFailed', 3), cond('ContainerEngineReady', 'False', 'Stopped', 3)], 'False', 'StopFailed'],
    ['stopped but engine still connected', stopped, 3, [cond('Running', 'False', 'Stopped', 3), cond('ContainerEngineReady', 'True', 'Connected', 3)], 'False', 'Connected'],
    ['running=false but Running still True', stopped, 3, [cond('Running', 'True', 'Started', 3), cond('ContainerEngineReady', 'False', 'Stopped', 3)], 'False', 'Started'],
  ] as [string, AppObject['spec'], number, Condition[], string, string][])('%s', (_name, spec, generation, conditions, status, reason) => {
    const settled = computeSettled(app(spec, generation, conditions));
    expect(settled).toMatchObject({ type: 'Settled', status, reason, observedGeneration: generation });
  });

  it("carries the blocking condition's message", () => {
    const settled = computeSettled(app(running, 2, [cond('Running', 'False', 'StartFailed', 2, 'dockerd: permission denied')]));
    expect(settled.message).toContain('dockerd: permission denied');
    expect(settled.message).toContain('Running');
  });

  it('evaluates the conditions it is given instead of the stored ones', () => {
    const a = app(running, 2, []);
    const settled = computeSettled(a, [cond('Running', 'True', 'Started', 2), cond('ContainerEngineReady', 'True', 'Connected', 2)]);
    expect(settled.status).toBe('True');
  });
});
