import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeList, Status } from '../../../../src/engine/kube/types.js';
import { rawRequest, startTestApiServer, type TestApiServer } from '../../../support/apiserver.js';
import { TEST_CRDS, WIDGET, widget } from './fixtures.js';

let ts: TestApiServer;
const path = '/apis/test.rdd.io/v1/namespaces/default/widgets';
type List = KubeList & { metadata: { remainingItemCount?: number } };

beforeAll(async () => {
  ts = await startTestApiServer({ crdDir: TEST_CRDS, retainRevisions: 30 });
  for (const n of ['p1', 'p2', 'p3', 'p4', 'p5']) await ts.client.create(WIDGET, widget(n, { color: n === 'p3' ? 'blue' : 'red' }, { labels: { n } }));
});
afterAll(async () => {
  await ts?.stop();
});

const page = async (query: string): Promise<List> => {
  const res = await rawRequest(ts, 'GET', `${path}?${query}`);
  expect(res.status, res.text).toBe(200);
  return res.json as List;
};
const names = (l: List) => l.items.map((i) => i.metadata.name);

describe('limit and continue', () => {
  it('pages over one snapshot with remainingItemCount, unaffected by later writes', async () => {
    const first = await page('limit=2');
    expect(names(first)).toEqual(['p1', 'p2']);
    expect(first.metadata.remainingItemCount).toBe(3);
    // Writes after the first page do not show up in the rest of it.
    await ts.client.delete(WIDGET, 'p3', { namespace: 'default' });
    await ts.client.create(WIDGET, widget('p0'));
    await ts.client.patch(WIDGET, 'p4', { spec: { color: 'green' } }, { type: 'merge', namespace: 'default' });
    const second = await page(`limit=2&continue=${first.metadata.continue}`);
    expect(names(second)).toEqual(['p3', 'p4']);
    expect(second.items[1].spec).toMatchObject({ color: 'red' });
    expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    const third = await page(`limit=2&continue=${second.metadata.continue}`);
    expect(names(third)).toEqual(['p5']);
    expect(third.metadata.continue).toBeUndefined();
    expect(third.metadata.remainingItemCount).toBeUndefined();
    // A new list sees the writes.
    expect(names(await page('limit=10'))).toEqual(['p0', 'p1', 'p2', 'p4', 'p5']);
  });

  it('pages with a selector, without remainingItemCount', async () => {
    const first = await page('limit=1&labelSelector=n+in+(p1,p5)');
    expect(names(first)).toEqual(['p1']);
    expect(first.metadata.remainingItemCount).toBeUndefined();
    const second = await page(`limit=1&labelSelector=n+in+(p1,p5)&continue=${first.metadata.continue}`);
    expect(names(second)).toEqual(['p5']);
    expect(second.metadata.continue).toBeUndefined();
  });

  it('lists at an exact older revision, and answers 410 once it is compacted', async () => {
    const before = await page('');
    await ts.client.create(WIDGET, widget('p6'));
    const exact = await page(`resourceVersion=${before.metadata.resourceVersion}&resourceVersionMatch=Exact`);
    expect(names(exact)).toEqual(names(before));
    const token = (await page('limit=1')).metadata.continue;
    for (let i = 0; i < 40; i++) await ts.client.patch(WIDGET, 'p6', { metadata: { labels: { i: String(i) } } }, { type: 'merge', namespace: 'default' });
    const expired = await rawRequest(ts, 'GET', `${path}?limit=1&continue=${token}`);
    expect(expired.status).toBe(410);
    expect(expired.json).toMatchObject({ reason: 'Expired', code: 410 });
    const old = await rawRequest(ts, 'GET', `${path}?resourceVersion=${before.metadata.resourceVersion}&resourceVersionMatch=Exact`);
    expect(old.status).toBe(410);
    expect((old.json as Status).message).toBe('The resourceVersion for the provided list is too old.');
  });

  it('refuses bad tokens and combinations', async () => {
    expect((await rawRequest(ts, 'GET', `${path}?continue=abc`)).status).toBe(400);
    const token = (await page('limit=1')).metadata.continue;
    expect((await rawRequest(ts, 'GET', `${path}?continue=${token}&resourceVersion=3`)).status).toBe(400);
    expect((await rawRequest(ts, 'GET', `${path}?resourceVersionMatch=Bogus&resourceVersion=1`)).status).toBe(422);
    expect((await rawRequest(ts, 'GET', `${path}?limit=x`)).status).toBe(400);
    expect((await rawRequest(ts, 'GET', `${path}?resourceVersion=999999`)).status).toBe(504);
  });
});
