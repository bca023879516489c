import { describe, expect, it } from 'vitest';
import { engineKeyOfMirror, routeEvent, type DockerEvent } from '../../../../../src/engine/controllers/mirror/routing.js';

const ev = (Type: string, Action: string, ID = 'x'): DockerEvent => ({ Type, Action, Actor: { ID, Attributes: {} } });

describe('docker event routing', () => {
  it.each([
    [ev('container', 'create', 'c1'), { kind: 'container', id: 'c1' }],
    [ev('container', 'start', 'c1'), { kind: 'container', id: 'c1' }],
    [ev('container', 'die', 'c1'), { kind: 'container', id: 'c1' }],
    [ev('container', 'pause', 'c1'), { kind: 'container', id: 'c1' }],
    [ev('container', 'destroy', 'c1'), { kind: 'container', id: 'c1' }],
    [ev('container', 'rename', 'c1'), { kind: 'container', id: 'c1' }],
    [ev('container', 'health_status: healthy', 'c1'), { kind: 'container', id: 'c1' }],
    [{ Type: 'container', Action: 'commit', Actor: { ID: 'c1', Attributes: { imageID: 'sha256:new' } } }, { kind: 'image', id: 'sha256:new' }],
    [ev('image', 'pull', 'busybox:latest'), { kind: 'image', id: 'busybox:latest' }],
    [ev('image', 'tag', 'sha256:1'), { kind: 'image', id: 'sha256:1' }],
    [ev('image', 'untag', 'sha256:1'), { kind: 'image', id: 'sha256:1' }],
    [ev('image', 'delete', 'sha256:1'), { kind: 'image', id: 'sha256:1' }],
    [ev('volume', 'create', 'My_Vol_Ume'), { kind: 'volume', id: 'My_Vol_Ume' }],
    [ev('volume', 'destroy', 'My_Vol_Ume'), { kind: 'volume', id: 'My_Vol_Ume' }],
  ])('routes %j', (event, key) => {
    expect(routeEvent(event)).toEqual(key);
  });

  it.each([
    ev('container', 'exec_create: sh -c true'),
    ev('container', 'exec_start: sh'),
    ev('container', 'attach'),
    ev('container', 'top'),
    ev('container', 'resize'),
    ev('volume', 'mount'),
    ev('volume', 'unmount'),
    ev('network', 'connect'),
    ev('image', 'push'),
    ev('daemon', 'reload'),
    { Type: 'container', Action: 'start' },
    {},
  ])('ignores %j', (event) => {
    expect(routeEvent(event as DockerEvent)).toBeUndefined();
  });
});

describe('the engine object a mirror stands for', () => {
  it('reads a container from its name, an image from status.id, a volume from status.name', () => {
    expect(engineKeyOfMirror('container', { metadata: { name: 'abc123' } })).toEqual({ kind: 'container', id: 'abc123' });
    expect(engineKeyOfMirror('image', { metadata: { name: 'sha256.ab-12' }, status: { id: 'sha256:ab' } })).toEqual({ kind: 'image', id: 'sha256:ab' });
    expect(engineKeyOfMirror('volume', { metadata: { name: 'vol-1f' }, status: { name: 'My_Vol' } })).toEqual({ kind: 'volume', id: 'My_Vol' });
  });

  it('is none when the mirror does not say (a volume with an empty status.name)', () => {
    expect(engineKeyOfMirror('volume', { metadata: { name: 'vol-1f' }, status: { name: '' } })).toBeUndefined();
    expect(engineKeyOfMirror('image', { metadata: { name: 'x' } })).toBeUndefined();
  });
});
