import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { instancePaths } from '../../../../../src/engine/base/paths.js';
import { DriverError } from '../../../../../src/engine/vm/driver.js';
import { toDriverState } from '../../../../../src/engine/vm/lima/lima-driver.js';
import { limaEdits, limactlArgs } from '../../../../../src/engine/vm/lima/lima-settings.js';
import { limactlMessage, parseLimaList, type LimaInstance } from '../../../../../src/engine/vm/lima/limactl.js';

const paths = instancePaths('2', { env: {}, platform: 'linux', home: '/home/u' });

describe('limactl argv', () => {
  it.each([
    [limactlArgs.create('/home/u/.rd2/lima.yaml'), ['create', '--name', 'rd', '--tty=false', '/home/u/.rd2/lima.yaml']],
    [limactlArgs.start(), ['start', '--tty=false', 'rd']],
    [limactlArgs.start('30m'), ['start', '--tty=false', '--timeout=30m', 'rd']],
    [limactlArgs.stop(), ['stop', 'rd']],
    [limactlArgs.delete(), ['delete', '--force', 'rd']],
    [limactlArgs.list(), ['list', '--json']],
    [limactlArgs.version(), ['--version']],
    [limactlArgs.edit(['.cpus = 4', '.memory = "8GiB"']), ['edit', '--tty=false', '--set', '.cpus = 4 | .memory = "8GiB"', 'rd']],
  ])('%j', (got, want) => {
    expect(got).toEqual(want);
  });

  it('keeps a path with spaces as one argument (no shell)', () => {
    expect(limactlArgs.create('/Users/a b/.rd2/lima.yaml').at(-1)).toBe('/Users/a b/.rd2/lima.yaml');
  });
});

describe('limactl list --json as Lima 2 prints it', () => {
  const list = parseLimaList(readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'limactl-list.jsonl'), 'utf8'));
  const rd = list.find((i) => i.name === 'rd')!;
  const darwin = instancePaths('2', { env: {}, platform: 'darwin', home: '/Users/u' });

  it('reads every instance, one object per line', () => {
    expect(list.map((i) => [i.name, i.status])).toEqual([['default', 'Stopped'], ['rd', 'Running'], ['broken', 'Broken']]);
    expect(rd).toMatchObject({ vmType: 'vz', arch: 'aarch64', cpus: 4, memory: 8 * 2 ** 30 });
  });

  it('maps the instance states, with the engine from the reported config and the reason of a broken one', () => {
    expect(toDriverState(rd)).toEqual({ phase: 'running', engine: 'moby' });
    expect(toDriverState(list[0])).toEqual({ phase: 'stopped' });
    expect(toDriverState(list[2])).toEqual({ phase: 'crashed', message: 'Lima VM "broken" is broken: host agent is running but driver is not' });
  });

  it('finds nothing to edit when the settings match the reported config (daemon.json with {{ included)', () => {
    const settings = { engine: 'moby', cpus: 4, memory: 8, rosetta: true } as const;
    expect(limaEdits(rd, settings, darwin, 'darwin', 'arm64', '{"log-opts":{"tag":"{{.Name}}"}}')).toEqual([]);
  });

  it('edits what differs from the reported config', () => {
    const edits = limaEdits(rd, { engine: 'containerd', cpus: 4, memory: 8, rosetta: false }, darwin, 'darwin', 'arm64');
    expect(edits).toEqual([
      '.param.ENGINE = "containerd"',
      expect.stringMatching(/^\.portForwards = /),
      '.vmOpts.vz.rosetta.enabled = false',
      '.vmOpts.vz.rosetta.binfmt = false',
      '.provision = (.provision | map(select(.path != "/etc/docker/daemon.json")))',
    ]);
  });

  it('edits the mounts when the App stops sharing the home folder or picks a mount type', () => {
    const settings = { engine: 'moby', cpus: 4, memory: 8, rosetta: true } as const;
    expect(limaEdits(rd, { ...settings, mounts: { home: false } }, darwin, 'darwin', 'arm64', '{"log-opts":{"tag":"{{.Name}}"}}')).toEqual(['.mounts = []']);
    // vz's default is virtiofs: asking for it by name changes nothing; reverse-sshfs does, and "default" brings it back.
    expect(limaEdits(rd, { ...settings, mounts: { type: 'virtiofs' } }, darwin, 'darwin', 'arm64', '{"log-opts":{"tag":"{{.Name}}"}}')).toEqual([]);
    expect(limaEdits(rd, { ...settings, mounts: { type: 'reverse-sshfs' } }, darwin, 'darwin', 'arm64', '{"log-opts":{"tag":"{{.Name}}"}}')).toEqual([
      '.mountType = "reverse-sshfs"',
    ]);
    const sshfs = { ...rd, config: { ...rd.config, mountType: 'reverse-sshfs', mounts: [] } };
    expect(limaEdits(sshfs, settings, darwin, 'darwin', 'arm64', '{"log-opts":{"tag":"{{.Name}}"}}')).toEqual([
      '.mounts = [{"location":"~","writable":true}]',
      '.mountType = null',
    ]);
  });
});

describe('parseLimaList', () => {
  it('parses one JSON object per line', () => {
    const out = [
      JSON.stringify({ name: 'default', status: 'Stopped', dir: '/l/default', vmType: 'qemu', cpus: 4, memory: 4294967296 }),
      JSON.stringify({ name: 'rd', status: 'Running', dir: '/l/rd', vmType: 'vz', cpus: 2, memory: 2147483648, arch: 'aarch64' }),
      '',
    ].join('\n');
    const list = parseLimaList(out);
    expect(list.map((i) => [i.name, i.status])).toEqual([['default', 'Stopped'], ['rd', 'Running']]);
    expect(list[1]).toMatchObject({ vmType: 'vz', cpus: 2, memory: 2 * 2 ** 30, arch: 'aarch64' });
  });

  it('accepts a JSON array as well', () => {
    expect(parseLimaList('[{"name":"rd","status":"Stopped"}]')).toEqual([{ name: 'rd', status: 'Stopped' }]);
  });

  it('treats empty output as no instances', () => {
    expect(parseLimaList('')).toEqual([]);
    expect(parseLimaList('\n')).toEqual([]);
  });

  it('reports broken JSON with the line', () => {
    const err = (() => {
      try {
        parseLimaList('{"name":"a","status":"Running"}\n{"name": oops');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DriverError);
    expect((err as Error).message).toMatch(/cannot parse `limactl list --json` output \(line 2\)/);
  });

  it('rejects an entry without name or status', () => {
    expect(() => parseLimaList('{"dir":"/x"}')).toThrow(/entry 1 has no name or status/);
  });
});

describe('limactlMessage', () => {
  it.each([
    {
      what: 'logfmt fatal with escaped quotes',
      stderr:
        'time="2026-01-01T00:00:00Z" level=info msg="Creating an instance"\n' +
        'time="2026-01-01T00:00:01Z" level=fatal msg="instance \\"rd\\" already exists (\\"/h/.rd2/lima/rd\\")"\n',
      want: 'instance "rd" already exists ("/h/.rd2/lima/rd")',
    },
    {
      what: 'fatal wins over a later error line',
      stderr: 'level=fatal msg="qemu-img not found"\nlevel=error msg="cleanup failed"',
      want: 'qemu-img not found',
    },
    { what: 'error when no fatal', stderr: 'level=warning msg="slow"\nlevel=error msg=unquoted', want: 'unquoted' },
    { what: 'TTY style', stderr: 'INFO[0000] starting\nFATA[0003] failed to start the host agent\n', want: 'failed to start the host agent' },
    { what: 'plain text', stderr: 'something odd\n\nexit status 1\n', want: 'exit status 1' },
    { what: 'nothing', stderr: '  \n', want: undefined },
  ])('$what', ({ stderr, want }) => {
    expect(limactlMessage(stderr)).toBe(want);
  });
});

describe('limaEdits', () => {
  const running: LimaInstance = {
    name: 'rd',
    status: 'Running',
    cpus: 2,
    memory: 4 * 2 ** 30,
    config: { param: { ENGINE: 'moby' }, vmOpts: { vz: { rosetta: { enabled: false } } } },
  };

  it('is empty when the VM already matches', () => {
    expect(limaEdits(running, { engine: 'moby', cpus: 2, memory: 4 }, paths, 'linux', 'x64')).toEqual([]);
    expect(limaEdits(running, { engine: 'moby' }, paths, 'linux', 'x64')).toEqual([]);
  });

  it('changes cpus, memory, engine (with its socket forwards) and rosetta', () => {
    const edits = limaEdits(running, { engine: 'containerd', cpus: 4, memory: 8, rosetta: true }, paths, 'darwin', 'arm64');
    expect(edits).toEqual([
      '.cpus = 4',
      '.memory = "8GiB"',
      '.param.ENGINE = "containerd"',
      '.portForwards = [{"guestSocket":"/var/run/docker.sock","hostSocket":"/home/u/.rd2/docker.sock"},' +
        '{"guestSocket":"/run/containerd/containerd.sock","hostSocket":"/home/u/.rd2/containerd.sock"}]',
      '.vmOpts.vz.rosetta.enabled = true',
      '.vmOpts.vz.rosetta.binfmt = true',
    ]);
  });

  it('installs a new or changed daemon.json and stops provisioning a removed one', () => {
    const old = { mode: 'data', path: '/etc/docker/daemon.json', content: '{\n  "debug": false\n}\n' };
    const withOld: LimaInstance = { ...running, config: { ...running.config, provision: [old, { mode: 'system' }] } };
    const others = '(.provision | map(select(.path != "/etc/docker/daemon.json")))';
    expect(limaEdits(withOld, { engine: 'moby' }, paths, 'linux', 'x64', '{"debug":false}')).toEqual([]);
    expect(limaEdits(withOld, { engine: 'moby' }, paths, 'linux', 'x64', '{"debug":true}')).toEqual([
      '.provision = [{"mode":"data","path":"/etc/docker/daemon.json","owner":"root:root","permissions":"644",' +
        `"content":"{\\n  \\"debug\\": true\\n}\\n"}] + ${others}`,
    ]);
    expect(limaEdits(withOld, { engine: 'moby' }, paths, 'linux', 'x64')).toEqual([`.provision = ${others}`]);
  });

  it('compares a daemon.json with {{ as Lima reports it (templates expanded) and writes it escaped', () => {
    const tagged = '{"log-opts":{"tag":"{{.Name}}"}}';
    const reported = { mode: 'data', path: '/etc/docker/daemon.json', content: '{\n  "log-opts": {\n    "tag": "{{.Name}}"\n  }\n}\n' };
    const instance: LimaInstance = { ...running, config: { ...running.config, provision: [reported] } };
    expect(limaEdits(instance, { engine: 'moby' }, paths, 'linux', 'x64', tagged)).toEqual([]);
    const [edit] = limaEdits({ ...instance, config: { ...instance.config, provision: [] } }, { engine: 'moby' }, paths, 'linux', 'x64', tagged);
    expect(edit).toContain('\\"tag\\": \\"{{\\"{{\\"}}.Name}}\\"');
  });

  it('does not guess the engine when limactl does not report the config', () => {
    expect(limaEdits({ name: 'rd', status: 'Stopped' }, { engine: 'containerd' }, paths, 'linux', 'x64')).toEqual([]);
  });
});

describe('toDriverState', () => {
  it.each([
    { instance: undefined, want: { phase: 'absent' } },
    { instance: { name: 'rd', status: 'Stopped' }, want: { phase: 'stopped' } },
    { instance: { name: 'rd', status: 'Running' }, want: { phase: 'running', engine: 'moby' } },
    { instance: { name: 'rd', status: 'Running', config: { param: { ENGINE: 'containerd' } } }, want: { phase: 'running', engine: 'containerd' } },
    {
      instance: { name: 'rd', status: 'Broken', errors: ['disk missing'] },
      want: { phase: 'crashed', message: 'Lima VM "rd" is broken: disk missing' },
    },
  ])('$instance.status → $want.phase', ({ instance, want }) => {
    expect(toDriverState(instance as LimaInstance | undefined)).toEqual(want);
  });
});
