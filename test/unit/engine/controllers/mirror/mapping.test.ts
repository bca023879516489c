import { describe, expect, it } from 'vitest';
import {
  containerMirror,
  kubeLabelsOf,
  imageMirrors,
  normalizeTime,
  portsStatus,
  volumeMirror,
  type ContainerInspect,
} from '../../../../../src/engine/controllers/mirror/mapping.js';
import { imageMirrorName, volumeMirrorName } from '../../../../../src/engine/controllers/mirror/naming.js';

const ZERO = '0001-01-01T00:00:00Z';

function inspect(overrides: Partial<ContainerInspect> = {}, state: Partial<ContainerInspect['State']> = {}): ContainerInspect {
  return {
    Id: 'c0ffee',
    Name: '/web',
    Created: '2026-11-26T06:00:00.123456789Z',
    Path: 'sleep',
    Args: ['1d'],
    Image: 'sha256:img',
    State: {
      Status: 'running',
      Running: true,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: 42,
      ExitCode: 0,
      Error: '',
      StartedAt: '2026-11-26T06:00:01.5Z',
      FinishedAt: ZERO,
      ...state,
    },
    Config: { Image: 'busybox:latest', Labels: { app: 'web' } },
    NetworkSettings: { Ports: {} },
    ...overrides,
  };
}

describe('container mapping', () => {
  it('maps a running container', () => {
    const m = containerMirror(inspect());
    expect(m.name).toBe('c0ffee');
    expect(m.status).toEqual({
      name: 'web',
      namespace: 'moby',
      path: 'sleep',
      args: ['1d'],
      command: 'sleep 1d',
      image: 'sha256:img',
      imageName: 'busybox:latest',
      labels: { app: 'web' },
      status: 'running',
      pid: 42,
      exitCode: 0,
      createdAt: '2026-11-26T06:00:00Z',
      startedAt: '2026-11-26T06:00:01Z',
      conditions: [
        { type: 'Running', status: 'True' },
        { type: 'Paused', status: 'False' },
        { type: 'Restarting', status: 'False' },
        { type: 'OOMKilled', status: 'False' },
        { type: 'Dead', status: 'False' },
      ],
    });
  });

  it.each([
    ['/web', 'web'],
    ['web', 'web'],
    ['//odd', 'odd'],
    ['/a/b', 'a/b'],
  ])('strips the leading slash of %s', (dockerName, name) => {
    expect(containerMirror(inspect({ Name: dockerName })).status.name).toBe(name);
  });

  it('omits zero times and empty fields of a created container', () => {
    const s = containerMirror(
      inspect({ Args: null, Config: { Labels: null }, NetworkSettings: { Ports: null } }, { Status: 'created', Running: false, Pid: 0, StartedAt: ZERO }),
    ).status;
    expect(s).not.toHaveProperty('startedAt');
    expect(s).not.toHaveProperty('finishedAt');
    expect(s).not.toHaveProperty('args');
    expect(s).not.toHaveProperty('labels');
    expect(s).not.toHaveProperty('ports');
    expect(s).not.toHaveProperty('portSummary');
    expect(s).not.toHaveProperty('imageName');
    expect(s.command).toBe('sleep');
    expect(s).not.toHaveProperty('error');
    expect(s.pid).toBe(0);
  });

  it('keeps the exit code and error of a failed container', () => {
    const s = containerMirror(
      inspect({}, { Status: 'exited', Running: false, ExitCode: 127, Error: 'exec: not found', FinishedAt: '2026-11-26T07:00:00Z' }),
    ).status;
    expect(s).toMatchObject({ status: 'exited', exitCode: 127, error: 'exec: not found', finishedAt: '2026-11-26T07:00:00Z' });
  });

  it.each([
    [{}, []],
    [{ '80/tcp': null }, [{ name: '80/tcp' }]],
    [
      { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '::', HostPort: '8080' }], '53/udp': [] },
      [
        { name: '53/udp' },
        { name: '80/tcp', bindings: [{ hostIP: '0.0.0.0', hostPort: '8080' }, { hostIP: '::', hostPort: '8080' }] },
      ],
    ],
    [{ '8080/tcp': null, '443/tcp': null }, [{ name: '443/tcp' }, { name: '8080/tcp' }]],
  ])('maps ports %j', (ports, expected) => {
    expect(portsStatus(ports as never)).toEqual(expected);
  });

  it.each([
    [{ '80/tcp': null }, '80/tcp'],
    [{ '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '18090' }] }, '127.0.0.1:18090->80/tcp'],
    [{ '80/tcp': [{ HostIp: '::', HostPort: '8080' }] }, ':::8080->80/tcp'],
    [
      { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '::', HostPort: '8080' }], '53/udp': [] },
      '53/udp, 0.0.0.0:8080->80/tcp, :::8080->80/tcp',
    ],
  ])('summarizes ports %j like docker ps', (ports, summary) => {
    const s = containerMirror(inspect({ NetworkSettings: { Ports: ports } })).status;
    expect(s.portSummary).toBe(summary);
  });

  it.each([
    [['httpd', '-f', '-p', '80'], 'sh httpd -f -p 80'],
    [['-c', 'echo hi; sleep 1d'], "sh -c 'echo hi; sleep 1d'"],
    [null, 'sh'],
  ])('joins args %j into the command like docker ps', (args, command) => {
    expect(containerMirror(inspect({ Path: 'sh', Args: args })).status.command).toBe(command);
  });

  it.each([
    [undefined, undefined],
    ['', undefined],
    [ZERO, undefined],
    ['0001-01-01T00:00:00.000000000Z', undefined],
    ['garbage', undefined],
    ['2026-11-26T06:00:00.999999999Z', '2026-11-26T06:00:00Z'],
    ['2026-11-26T08:00:00+02:00', '2026-11-26T06:00:00Z'],
  ])('normalizes time %s', (input, expected) => {
    expect(normalizeTime(input)).toBe(expected);
  });
});

describe('image mapping', () => {
  const base = {
    Id: 'sha256:abc',
    RepoDigests: ['busybox@sha256:def'],
    Created: '2026-01-01T00:00:00Z',
    Architecture: 'amd64',
    Os: 'linux',
    Size: 1234,
    Config: { Labels: null },
  };

  it('gives one mirror per tag', () => {
    const mirrors = imageMirrors({ ...base, RepoTags: ['busybox:latest', 'busybox:1'] });
    expect(mirrors.map((m) => m.name)).toEqual([imageMirrorName('sha256:abc', 'busybox:latest'), imageMirrorName('sha256:abc', 'busybox:1')]);
    expect(mirrors[0].status).toEqual({
      namespace: 'moby',
      id: 'sha256:abc',
      repoTag: 'busybox:latest',
      repoDigests: ['busybox@sha256:def'],
      createdAt: '2026-01-01T00:00:00Z',
      architecture: 'amd64',
      os: 'linux',
      shortId: 'abc',
      size: 1234,
      displaySize: '1.23kB',
    });
  });

  it('shows the short ID of a full digest', () => {
    const id = `sha256:${'0123456789ab'.repeat(5)}cdef`;
    expect(imageMirrors({ ...base, Id: id, RepoTags: ['busybox:latest'] })[0].status.shortId).toBe('0123456789ab');
  });

  it.each([[[]], [null], [['<none>:<none>']]])('gives a dangling image (tags %j) one mirror without repoTag', (tags) => {
    const mirrors = imageMirrors({ ...base, RepoTags: tags, RepoDigests: ['<none>@<none>'] });
    expect(mirrors).toHaveLength(1);
    expect(mirrors[0].name).toBe(imageMirrorName('sha256:abc'));
    expect(mirrors[0].status).not.toHaveProperty('repoTag');
    expect(mirrors[0].status).not.toHaveProperty('repoDigests');
  });
});

describe('volume mapping', () => {
  it('maps a volume with a name that is not a DNS subdomain', () => {
    const m = volumeMirror({
      Name: 'My_Vol_Ume',
      Driver: 'local',
      Mountpoint: '/var/lib/docker/volumes/My_Vol_Ume/_data',
      CreatedAt: '2026-11-26T06:00:00Z',
      Labels: null,
      Scope: 'local',
      Options: null,
    });
    expect(m.name).toBe(volumeMirrorName('My_Vol_Ume'));
    expect(m.status).toEqual({
      name: 'My_Vol_Ume',
      namespace: 'moby',
      createdAt: '2026-11-26T06:00:00Z',
      driver: 'local',
      mountpoint: '/var/lib/docker/volumes/My_Vol_Ume/_data',
      scope: 'local',
    });
  });
});

describe('kubeLabelsOf', () => {
  it('keeps the Docker labels that are Kubernetes labels, and only those', () => {
    expect(
      kubeLabelsOf({
        'com.docker.compose.project': 'web',
        'com.docker.compose.oneoff': 'False',
        'example.com/team': 'a_b.c-d',
        empty: '',
        'org.opencontainers.image.source': 'https://example.org/x',
        'with space': 'x',
        'kubernetes.io/name': 'web',
        'app.k8s.io/name': 'web',
        'a/b/c': 'x',
        [`${'n'.repeat(64)}`]: 'x',
        long: 'v'.repeat(64),
        '-leading': 'x',
      }),
    ).toEqual({ 'com.docker.compose.project': 'web', 'com.docker.compose.oneoff': 'False', 'example.com/team': 'a_b.c-d', empty: '' });
  });

  it('takes no labels at all from docker\'s null', () => {
    expect(kubeLabelsOf(null)).toEqual({});
  });
});
