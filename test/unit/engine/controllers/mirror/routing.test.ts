import { describe, expect, it } from 'vitest';
import { routeEvent, type DockerEvent } from '../../../../../src/engine/controllers/mirror/routing.js';

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
