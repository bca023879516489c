import { describe, expect, it } from 'vitest';
import { instancePaths } from '../../../../../src/engine/base/paths.js';
import { CrashPolicy } from '../../../../../src/engine/vm/native/crash-policy.js';
import {
  containerdArgs, containerdConfigToml, daemonJsonConflicts, dockerdArgs,
} from '../../../../../src/engine/vm/native/engine-command.js';
import { engineLayout, ownsArgv } from '../../../../../src/engine/vm/native/engine-layout.js';
import { mountsUnder } from '../../../../../src/engine/vm/native/mounts.js';

const paths = instancePaths('7', { env: {}, platform: 'linux', home: '/h' });

describe('dockerdArgs', () => {
  const base = [
    '--host', 'unix:///h/.rd7/docker.sock',
    '--data-root', '/h/.local/share/rancher-desktop-7/docker',
    '--exec-root', '/h/.rd7/exec',
    '--pidfile', '/h/.rd7/docker.pid',
  ];

  it('scopes socket, data, exec root, pidfile and bridge to the instance', () => {
    expect(dockerdArgs(paths, { bridge: 'rdd0123456789', withDaemonJson: false })).toEqual([...base, '--bridge', 'rdd0123456789']);
  });

  it('passes daemon.json only when it exists', () => {
    expect(dockerdArgs(paths, { bridge: 'br', withDaemonJson: true })).toEqual([
      ...base, '--bridge', 'br', '--config-file', '/h/.rd7/daemon.json',
    ]);
  });

  it('leaves the bridge to rootlesskit in rootless mode', () => {
    expect(dockerdArgs(paths, { withDaemonJson: false })).toEqual(base);
  });
});

describe('daemonJsonConflicts', () => {
  it.each([
    [{ 'registry-mirrors': ['http://127.0.0.1:5000'], debug: true }, []],
    [{ 'data-root': '/x', hosts: ['tcp://0.0.0.0:2375'], bip: '10.0.0.1/24' }, ['hosts', 'data-root', 'bip']],
    [{ graph: '/old', pidfile: '/p', bridge: 'docker0', 'exec-root': '/e' }, ['graph', 'exec-root', 'pidfile', 'bridge']],
    [[], []],
    ['string', []],
    [null, []],
  ])('%j → %j', (config, want) => {
    expect(daemonJsonConflicts(config)).toEqual(want);
  });
});

describe('containerd', () => {
  it('runs on its own socket, root and state with a generated config', () => {
    expect(containerdArgs(paths)).toEqual([
      '--config', '/h/.rd7/containerd.toml',
      '--address', '/h/.rd7/containerd.sock',
      '--root', '/h/.local/share/rancher-desktop-7/containerd',
      '--state', '/h/.rd7/containerd',
    ]);
    const toml = containerdConfigToml(paths);
    expect(toml).toContain('version = 2');
    expect(toml).toContain('address = "/h/.rd7/containerd.sock"');
    expect(toml).toContain('disabled_plugins = ["io.containerd.grpc.v1.cri"]');
  });
});

describe('ownsArgv: a PID is ours only with our program AND our socket', () => {
  const moby = engineLayout('moby', paths);
  const containerd = engineLayout('containerd', paths);
  it.each([
    { layout: moby, argv: ['/usr/sbin/dockerd', ...dockerdArgs(paths, { bridge: 'b', withDaemonJson: false })], want: true },
    { layout: moby, argv: ['dockerd', '--host=unix:///h/.rd7/docker.sock'], want: true },
    { layout: moby, argv: ['/usr/sbin/dockerd', '--host', 'unix:///h/.rd8/docker.sock'], want: false },
    { layout: moby, argv: ['/usr/bin/sleep', '--host', 'unix:///h/.rd7/docker.sock'], want: false },
    { layout: moby, argv: [], want: false },
    { layout: moby, argv: ['/bin/sh', '/usr/bin/dockerd-rootless.sh', '--host', 'unix:///h/.rd7/docker.sock'], want: true },
    { layout: moby, argv: ['rootlesskit', '--net=slirp4netns', 'dockerd', '--host', 'unix:///h/.rd7/docker.sock'], want: true },
    { layout: containerd, argv: ['/usr/bin/containerd', ...containerdArgs(paths)], want: true },
    { layout: containerd, argv: ['/usr/bin/containerd', '--config', '/etc/containerd/config.toml'], want: false },
  ])('$argv → $want', ({ layout, argv, want }) => {
    expect(ownsArgv(layout, argv)).toBe(want);
  });
});

describe('mountsUnder', () => {
  const mountinfo = [
    '22 1 254:0 / / rw - ext4 /dev/vda rw',
    '42 26 254:0 /h/data /h/.local/share/rancher-desktop-7/docker rw shared:2 - ext4 /dev/vda rw',
    '43 42 0:50 / /h/.local/share/rancher-desktop-7/docker/overlay2/abc/merged rw - overlay overlay rw',
    '44 26 0:51 / /h/.local/share/rancher-desktop-7/docker-other rw - tmpfs tmpfs rw',
    '45 26 0:52 / /h/.local/share/rancher-desktop-7/docker/with\\040space rw - tmpfs tmpfs rw',
  ].join('\n');

  it('lists mounts at or below the dir, deepest first, decoding octal escapes', () => {
    expect(mountsUnder(mountinfo, '/h/.local/share/rancher-desktop-7/docker')).toEqual([
      '/h/.local/share/rancher-desktop-7/docker/overlay2/abc/merged',
      '/h/.local/share/rancher-desktop-7/docker/with space',
      '/h/.local/share/rancher-desktop-7/docker',
    ]);
  });
});

describe('CrashPolicy', () => {
  it('backs off 100 ms, 200 ms, 400 ms, 800 ms and gives up at the fifth crash in a row', () => {
    const policy = new CrashPolicy();
    const verdicts = Array.from({ length: 5 }, () => policy.recordDeath(500));
    expect(verdicts).toEqual([
      { giveUp: false, deaths: 1, delayMs: 100 },
      { giveUp: false, deaths: 2, delayMs: 200 },
      { giveUp: false, deaths: 3, delayMs: 400 },
      { giveUp: false, deaths: 4, delayMs: 800 },
      { giveUp: true, deaths: 5 },
    ]);
  });

  it('counts the death of an engine that ran stably as a first crash again, and forgets on reset', () => {
    const policy = new CrashPolicy({ stableAfterMs: 10_000, maxDeaths: 2 });
    expect(policy.recordDeath(500)).toMatchObject({ giveUp: false, deaths: 1 });
    // Killed now and then, never in a loop: always restarted at once.
    for (let i = 0; i < 10; i++) expect(policy.recordDeath(10_000)).toEqual({ giveUp: false, deaths: 1, delayMs: 100 });
    expect(policy.recordDeath(500)).toEqual({ giveUp: true, deaths: 2 });
    policy.reset();
    expect(policy.recordDeath(0)).toEqual({ giveUp: false, deaths: 1, delayMs: 100 });
  });

  it('caps the delay', () => {
    const policy = new CrashPolicy({ maxDeaths: 100, maxDelayMs: 30_000 });
    const delays = Array.from({ length: 12 }, () => policy.recordDeath(0)).map((v) => ('delayMs' in v ? v.delayMs : 0));
    expect(delays.at(-1)).toBe(30_000);
  });
});
