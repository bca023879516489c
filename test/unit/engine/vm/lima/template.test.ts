import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execaSync } from 'execa';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { instancePaths } from '../../../../../src/engine/base/paths.js';
import type { EngineSettings } from '../../../../../src/engine/vm/driver.js';
import { renderLimaTemplate } from '../../../../../src/engine/vm/lima/template.js';

const goldenDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden');
const DAEMON_JSON = '{"registry-mirrors":["http://127.0.0.1:5000"],"debug":true}';

/**
 * Compares with the golden file. Only an explicit UPDATE_GOLDEN=1 writes into
 * the source tree; a missing golden file fails, or deleting one would pass.
 */
function expectGolden(name: string, actual: string): void {
  const file = path.join(goldenDir, name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  expect(existsSync(file), `golden file ${file} is missing: create it with UPDATE_GOLDEN=1`).toBe(true);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

const linux = instancePaths('2', { env: {}, platform: 'linux', home: '/home/u' });
const darwin = instancePaths('2', { env: {}, platform: 'darwin', home: '/Users/u' });

const cases: { name: string; settings: EngineSettings; platform: NodeJS.Platform; arch: NodeJS.Architecture; daemonJson?: string }[] = [
  { name: 'linux-qemu.yaml', settings: { engine: 'moby', cpus: 2, memory: 4 }, platform: 'linux', arch: 'x64' },
  { name: 'linux-qemu-daemon-json.yaml', settings: { engine: 'moby', cpus: 2, memory: 4 }, platform: 'linux', arch: 'x64', daemonJson: DAEMON_JSON },
  { name: 'darwin-vz-rosetta.yaml', settings: { engine: 'moby', cpus: 4, memory: 8, rosetta: true }, platform: 'darwin', arch: 'arm64' },
  {
    name: 'darwin-vz-rosetta-containerd-daemon-json.yaml',
    settings: { engine: 'containerd', rosetta: true },
    platform: 'darwin',
    arch: 'arm64',
    daemonJson: DAEMON_JSON,
  },
];

describe('renderLimaTemplate', () => {
  it('has a case for every golden file, so none is left unchecked', () => {
    expect(readdirSync(goldenDir).sort()).toEqual(cases.map((c) => c.name).sort());
  });

  it.each(cases)('$name matches its golden file and is valid YAML', ({ name, settings, platform, arch, daemonJson }) => {
    const paths = platform === 'darwin' ? darwin : linux;
    const rendered = renderLimaTemplate(settings, paths, platform, arch, daemonJson);
    expectGolden(name, rendered);

    const doc = parse(rendered);
    expect(doc.vmType).toBe(platform === 'darwin' ? 'vz' : 'qemu');
    expect(doc.portForwards).toContainEqual({ guestSocket: '/var/run/docker.sock', hostSocket: paths.dockerSocket });
    expect(doc.param.ENGINE).toBe(settings.engine);
    const data = doc.provision.filter((p: { path?: string }) => p.path === '/etc/docker/daemon.json');
    if (daemonJson) {
      expect(data).toHaveLength(1);
      expect(data[0].path).toBe('/etc/docker/daemon.json');
      expect(JSON.parse(data[0].content)).toEqual(JSON.parse(daemonJson));
    } else {
      expect(data).toEqual([]);
    }
  });

  it('fills cpus, memory and the host arch, keeping the template comments', () => {
    const rendered = renderLimaTemplate({ engine: 'moby', cpus: 3, memory: 6 }, linux, 'linux', 'arm64');
    const doc = parse(rendered);
    expect(doc).toMatchObject({ cpus: 3, memory: '6GiB', arch: 'aarch64' });
    expect(rendered).toMatch(/^# Rendered by rdd for instance "2"/);
    expect(rendered).toContain("# rdd's Lima template");
  });

  it('leaves cpus and memory to Lima when unset', () => {
    const doc = parse(renderLimaTemplate({ engine: 'moby' }, linux, 'linux', 'x64'));
    expect(doc.cpus).toBeNull();
    expect(doc.memory).toBeNull();
  });

  it.each([
    { platform: 'darwin', arch: 'arm64', want: true },
    { platform: 'darwin', arch: 'x64', want: false },
    { platform: 'linux', arch: 'arm64', want: false },
  ] as const)('rosetta on $platform/$arch → $want', ({ platform, arch, want }) => {
    const doc = parse(renderLimaTemplate({ engine: 'moby', rosetta: true }, darwin, platform, arch));
    expect(doc.vmOpts.vz.rosetta).toEqual({ enabled: want, binfmt: want });
  });

  it('forwards the containerd socket too for the containerd engine', () => {
    const doc = parse(renderLimaTemplate({ engine: 'containerd' }, linux, 'linux', 'x64'));
    expect(doc.portForwards).toContainEqual({ guestSocket: '/run/containerd/containerd.sock', hostSocket: '/home/u/.rd2/containerd.sock' });
  });

  it('has strict, syntactically valid scripts and a hint on every probe', () => {
    const doc = parse(renderLimaTemplate({ engine: 'moby' }, linux, 'linux', 'x64'));
    const scripts: string[] = [...doc.provision, ...doc.probes].filter((p: { mode?: string }) => p.mode !== 'data').map((p: { script: string }) => p.script);
    expect(scripts.length).toBeGreaterThan(1);
    for (const script of scripts) {
      expect(script).toMatch(/^#!\/bin\/bash\nset -e?u -o pipefail\n/);
      expect(execaSync('bash', ['-n'], { input: script, reject: false }).exitCode).toBe(0);
    }
    // The provisioning script stops at the first error inside its work, which runs apart from the code that reports a failure.
    expect(scripts[0]).toMatch(/provision\(\) \{\n\s+set -eux\n/);
    for (const probe of doc.probes) expect(probe.hint).toMatch(/\S/);
  });

  it('writes the docker.socket drop-in as data, which Lima writes before any script runs', () => {
    const doc = parse(renderLimaTemplate({ engine: 'moby' }, linux, 'linux', 'x64', DAEMON_JSON));
    const provision: { mode: string; path?: string; content?: string; script?: string }[] = doc.provision;
    const dropIn = provision.findIndex((p) => p.path === '/etc/systemd/system/docker.socket.d/rdd.conf');
    expect(provision[dropIn]).toMatchObject({ mode: 'data', content: '[Socket]\nSocketUser={{.User}}\n' });
    expect(dropIn).toBeLessThan(provision.findIndex((p) => p.mode === 'system'));
  });

  it('uses Lima template variables, not cloud-init variables Lima warns about', () => {
    const rendered = renderLimaTemplate({ engine: 'moby' }, linux, 'linux', 'x64');
    expect(rendered).not.toContain('LIMA_CIDATA_');
    expect(parse(rendered).provision.find((p: { mode: string }) => p.mode === 'system').script).toContain('user="{{.User}}"');
  });

  it('runs apt-get only through the function that waits for its locks', () => {
    const script: string = parse(renderLimaTemplate({ engine: 'moby' }, linux, 'linux', 'x64')).provision.find((p: { mode: string }) => p.mode === 'system').script;
    const calls = script.split('\n').filter((l) => /^\s*apt-get\b/.test(l) || /\|\|.*apt-get/.test(l));
    expect(calls).toEqual([expect.stringContaining('apt-get -o DPkg::Lock::Timeout=300 "$@"')]);
    expect(script).toMatch(/apt_get update\n\s+apt_get install/);
  });

  it("has the readiness probe ask the engine as the Lima user (Lima's probes run as that user) and fail at once on a failed provisioning", () => {
    const probe: string = parse(renderLimaTemplate({ engine: 'moby' }, linux, 'linux', 'x64')).probes[0].script;
    expect(probe).toContain('check="docker version"');
    expect(probe).toContain('check="ctr version"');
    expect(probe).not.toMatch(/test -S/);
    expect(probe).toContain('/run/rdd/provision.failed');
  });

  it('shares the home folder, writable, with the mount type Lima picks for the VM type, unless the App says otherwise', () => {
    const doc = parse(renderLimaTemplate({ engine: 'moby' }, darwin, 'darwin', 'arm64'));
    expect(doc.mounts).toEqual([{ location: '~', writable: true }]);
    expect(doc.mountType).toBeNull();
    const off = parse(renderLimaTemplate({ engine: 'moby', mounts: { home: false, type: 'reverse-sshfs' } }, darwin, 'darwin', 'arm64'));
    expect(off.mounts).toEqual([]);
    expect(off.mountType).toBe('reverse-sshfs');
    expect(parse(renderLimaTemplate({ engine: 'moby', mounts: { type: 'default' } }, linux, 'linux', 'x64')).mountType).toBeNull();
  });

  it('lets containers reach the host as host.docker.internal through Lima\'s host resolver', () => {
    const doc = parse(renderLimaTemplate({ engine: 'moby' }, linux, 'linux', 'x64'));
    expect(doc.hostResolver.hosts).toEqual({ 'host.docker.internal': 'host.lima.internal' });
    expect(doc.hostResolver.enabled).toBeUndefined();
  });

  it('boots an image pinned by digest first for each architecture, the undated release only as the fallback', () => {
    const images: { location: string; arch: string; digest?: string }[] = parse(renderLimaTemplate({ engine: 'moby' }, linux, 'linux', 'x64')).images;
    for (const arch of ['x86_64', 'aarch64']) {
      const [first, ...rest] = images.filter((i) => i.arch === arch);
      expect(first.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(first.location).toMatch(/\/release-\d{8}\//);
      expect(rest.map((i) => i.location)).toEqual([expect.stringMatching(/\/release\//)]);
    }
  });

  it("writes the containerd socket's owner as data, whatever config.toml the distribution ships", () => {
    const provision: { mode: string; path?: string; content?: string }[] = parse(renderLimaTemplate({ engine: 'containerd' }, linux, 'linux', 'x64')).provision;
    const dropIn = provision.findIndex((p) => p.path === '/etc/systemd/system/containerd.service.d/rdd.conf');
    const config = provision.findIndex((p) => p.path === '/etc/containerd/rdd.toml');
    expect(provision[dropIn].content).toContain('ExecStart=/usr/bin/containerd --config /etc/containerd/rdd.toml');
    expect(provision[config].content).toMatch(/\[grpc\]\n\s+uid = \{\{\.UID\}\}/);
    expect(Math.max(dropIn, config)).toBeLessThan(provision.findIndex((p) => p.mode === 'system'));
    expect(provision.some((p) => p.content?.includes('config.toml') && p.mode !== 'data')).toBe(false);
  });

  it('keeps each readiness probe attempt short, so Lima can retry and show the hint', () => {
    for (const probe of parse(renderLimaTemplate({ engine: 'moby' }, linux, 'linux', 'x64')).probes) {
      for (const [, seconds] of (probe.script as string).matchAll(/timeout (\d+)s/g)) expect(Number(seconds)).toBeLessThanOrEqual(30);
    }
  });

  it("escapes a daemon.json's {{ for Lima's Go templates", () => {
    const doc = parse(renderLimaTemplate({ engine: 'moby' }, linux, 'linux', 'x64', '{"log-opts":{"tag":"{{.Name}}/{{{x}}}"}}'));
    const data = doc.provision.find((p: { path?: string }) => p.path === '/etc/docker/daemon.json');
    expect(data.content).toContain('"tag": "{{"{{"}}.Name}}/{{"{{"}}{x}}}"');
  });

  it('rejects a daemon.json that is not JSON, naming the file', () => {
    expect(() => renderLimaTemplate({ engine: 'moby' }, linux, 'linux', 'x64', '{nope')).toThrow(
      /daemon\.json \/home\/u\/\.rd2\/daemon\.json is not valid JSON/,
    );
  });

  it('rejects an unsupported host architecture', () => {
    expect(() => renderLimaTemplate({ engine: 'moby' }, linux, 'linux', 'ia32')).toThrow(/x64 and arm64 hosts, not ia32/);
  });
});
