import { afterEach, describe, expect, it, vi } from 'vitest';
import { translate, watchLifetimeMs } from '../../../../../../src/engine/apiserver/endpoints/handlers/watch.js';
import type { StoreEvent } from '../../../../../../src/engine/apiserver/store/store.js';
import type { KubeObject } from '../../../../../../src/engine/kube/types.js';

const obj = (color: string): KubeObject => ({ apiVersion: 'v1', kind: 'W', metadata: { name: 'w' }, spec: { color } });
const red = (o: KubeObject) => o.spec?.color === 'red';
const ev = (type: StoreEvent['type'], object: KubeObject, previous?: KubeObject): StoreEvent => ({
  type,
  resource: 'g/w',
  namespace: '',
  name: 'w',
  revision: 1,
  object,
  previous,
});

describe('translate (selectors on watch)', () => {
  it.each([
    ['ADDED matching', ev('ADDED', obj('red')), 'ADDED'],
    ['ADDED not matching', ev('ADDED', obj('blue')), undefined],
    ['MODIFIED staying in', ev('MODIFIED', obj('red'), obj('red')), 'MODIFIED'],
    ['MODIFIED entering', ev('MODIFIED', obj('red'), obj('blue')), 'ADDED'],
    // No earlier state known (a log row without one): a matching object is new to this watcher.
    ['MODIFIED matching without a previous state', ev('MODIFIED', obj('red')), 'ADDED'],
    ['MODIFIED not matching without a previous state', ev('MODIFIED', obj('blue')), undefined],
    ['MODIFIED leaving', ev('MODIFIED', obj('blue'), obj('red')), 'DELETED'],
    ['MODIFIED staying out', ev('MODIFIED', obj('blue'), obj('green')), undefined],
    ['DELETED matching', ev('DELETED', obj('red')), 'DELETED'],
    ['DELETED not matching', ev('DELETED', obj('blue')), undefined],
  ])('%s', (_name, event, expected) => {
    expect(translate(event, red)?.type).toBe(expected);
  });
});

describe('translate without selectors', () => {
  it('passes every event as it is and never reads the previous state (parsed on demand)', () => {
    const event = ev('MODIFIED', obj('blue'));
    Object.defineProperty(event, 'previous', {
      get: () => {
        throw new Error('previous read');
      },
    });
    expect(translate(event, undefined)).toEqual({ type: 'MODIFIED', object: event.object });
  });
});

describe('watchLifetimeMs (how long a watch without timeoutSeconds lives)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("is the client's timeoutSeconds when it gives one", () => {
    expect(watchLifetimeMs(7, { RDD_WATCH_MIN_LIFETIME_SECONDS: '3' })).toBe(7_000);
  });

  it('is drawn from [min, 2·min) with min from RDD_WATCH_MIN_LIFETIME_SECONDS', () => {
    const random = vi.spyOn(Math, 'random');
    random.mockReturnValue(0);
    expect(watchLifetimeMs(0, { RDD_WATCH_MIN_LIFETIME_SECONDS: '3' })).toBe(3_000);
    random.mockReturnValue(0.5);
    expect(watchLifetimeMs(0, { RDD_WATCH_MIN_LIFETIME_SECONDS: '3' })).toBe(4_500);
    random.mockReturnValue(0.25);
    expect(watchLifetimeMs(0, { RDD_WATCH_MIN_LIFETIME_SECONDS: '3' })).toBe(3_750);
  });

  it.each([['unset', undefined], ['not a number', 'soon'], ['0', '0'], ['negative', '-5'], ['infinite', 'Infinity']])(
    'falls back to kube\'s 1800 s minimum when RDD_WATCH_MIN_LIFETIME_SECONDS is %s',
    (_name, value) => {
      vi.spyOn(Math, 'random').mockReturnValue(0.5);
      expect(watchLifetimeMs(0, { RDD_WATCH_MIN_LIFETIME_SECONDS: value })).toBe(2_700_000);
    },
  );
});
