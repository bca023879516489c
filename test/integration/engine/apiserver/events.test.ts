import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EVENT, EventRecorder } from '../../../../src/engine/kube/events.js';
import type { KubeList, KubeObject } from '../../../../src/engine/kube/types.js';
import { rawRequest, startTestApiServer, type TestApiServer } from '../../../support/apiserver.js';
import { TEST_CRDS, WIDGET, kubectlFor, widget } from './fixtures.js';

let ts: TestApiServer;
let subject: KubeObject;
let recorder: EventRecorder;

beforeAll(async () => {
  ts = await startTestApiServer({ crdDir: TEST_CRDS });
  subject = await ts.client.create(WIDGET, widget('ev1'));
  recorder = new EventRecorder(ts.client, { component: 'test-controller', onError: (err) => console.error(err) });
  recorder.record(subject, 'Warning', 'EngineFailed', 'could not start: boom');
  recorder.record(subject, 'Normal', 'Started', 'engine started');
  await recorder.flush();
});
afterAll(async () => {
  await ts?.stop();
});

const kubectl = kubectlFor(() => ts);

const list = async (p: string) => {
  const res = await rawRequest(ts, 'GET', p);
  expect(res.status, res.text).toBe(200);
  return res.json as KubeList;
};

describe('events', () => {
  it('kubectl get events and kubectl events -A show recorded events', async () => {
    const get = await kubectl('get', 'events');
    expect(get.exitCode, get.stderr).toBe(0);
    // OBJECT is kind/name, as kube prints it.
    expect(get.stdout).toMatch(/Warning\s+EngineFailed\s+widget\/ev1\s+could not start: boom/);
    const events = await kubectl('events', '-A');
    expect(events.exitCode, events.stderr).toBe(0);
    expect(events.stdout).toContain('engine started');
  });

  it('kubectl describe shows the events of an object', async () => {
    const res = await kubectl('describe', 'widget', 'ev1');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/Events:[\s\S]*Warning\s+EngineFailed[\s\S]*could not start: boom/);
  });

  it('selects by involvedObject fields, reason and type; events.k8s.io shows the same objects by regarding', async () => {
    const uid = subject.metadata.uid ?? '';
    const core = await list(`/api/v1/namespaces/default/events?fieldSelector=involvedObject.kind=Widget,involvedObject.uid=${uid},type=Warning`);
    expect(core.items.map((e) => e.reason)).toEqual(['EngineFailed']);
    const v1 = await list(`/apis/events.k8s.io/v1/events?fieldSelector=regarding.name=ev1,reason=Started`);
    expect(v1.items).toHaveLength(1);
    expect(v1.items[0]).toMatchObject({ apiVersion: 'events.k8s.io/v1', note: 'engine started', regarding: { kind: 'Widget', name: 'ev1', uid } });
    const bad = await rawRequest(ts, 'GET', '/api/v1/events?fieldSelector=regarding.name=ev1');
    expect(bad.status).toBe(400);
  });

  it('writes through events.k8s.io land as core events', async () => {
    const res = await rawRequest(ts, 'POST', '/apis/events.k8s.io/v1/namespaces/default/events', {
      body: JSON.stringify({
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name: 'from-v1' },
        eventTime: '2026-01-01T00:00:00.000000Z',
        reportingController: 'ext',
        reportingInstance: 'ext-1',
        action: 'Sync',
        reason: 'Synced',
        note: 'hello',
        type: 'Normal',
        regarding: { kind: 'Widget', name: 'ev1', namespace: 'default' },
      }),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({ apiVersion: 'events.k8s.io/v1', note: 'hello' });
    const core = await ts.client.get(EVENT, 'from-v1', 'default');
    expect(core).toMatchObject({ apiVersion: 'v1', message: 'hello', involvedObject: { name: 'ev1' }, reportingComponent: 'ext' });
  });

  it('aggregates repeats into one event with a count and series', async () => {
    for (let i = 0; i < 5; i++) recorder.record(subject, 'Warning', 'Retrying', 'still failing');
    await recorder.flush();
    const repeats = await list('/api/v1/namespaces/default/events?fieldSelector=reason=Retrying');
    expect(repeats.items).toHaveLength(1);
    expect(repeats.items[0]).toMatchObject({ count: 5, series: { count: 5 } });
  });

  it('rate-limits distinct events per object', async () => {
    const limited = new EventRecorder(ts.client, { component: 'flood', burst: 3, refillMs: 60_000 });
    for (let i = 0; i < 50; i++) limited.record(subject, 'Warning', 'Flood', `attempt ${i}`);
    await limited.flush();
    const flood = await list('/api/v1/namespaces/default/events?fieldSelector=reason=Flood');
    expect(flood.items).toHaveLength(3);
  });
});

describe('event expiry', () => {
  it('deletes events an hour (here: a second) after their last change', async () => {
    const short = await startTestApiServer({ crdDir: TEST_CRDS, eventTtlSeconds: 1 });
    try {
      const rec = new EventRecorder(short.client, { component: 'ttl' });
      rec.record({ apiVersion: 'v1', kind: 'Namespace', name: 'default' }, 'Normal', 'Tick', 'tick');
      await rec.flush();
      expect((await short.client.list(EVENT, { namespace: 'default' })).items).toHaveLength(1);
      await vi.waitFor(async () => expect((await short.client.list(EVENT, { namespace: 'default' })).items).toHaveLength(0), { timeout: 10_000, interval: 200 });
    } finally {
      await short.stop();
    }
  });
});
