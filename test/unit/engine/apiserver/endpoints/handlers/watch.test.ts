import { describe, expect, it } from 'vitest';
import { translate } from '../../../../../../src/engine/apiserver/endpoints/handlers/watch.js';
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
