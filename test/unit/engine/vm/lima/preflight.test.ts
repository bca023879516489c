import { describe, expect, it } from 'vitest';
import { instancePaths } from '../../../../../src/engine/base/paths.js';
import { DriverConfigError } from '../../../../../src/engine/vm/driver.js';
import { assertLimaVersion, assertRosettaInstalled, assertSocketPathsFit, limaHostSockets, parseLimaVersion } from '../../../../../src/engine/vm/lima/preflight.js';
import { minimumLimaVersion } from '../../../../../src/engine/vm/lima/template.js';

describe('the Lima version check', () => {
  it.each([
    ['limactl version 2.0.0\n', '2.0.0'],
    ['limactl version 2.2.1', '2.2.1'],
    // A build from git: 14 commits after 2.0.0, not a pre-release of it.
    ['limactl version 2.0.0-14-gabc1234', '2.0.0'],
    ['limactl version v1.2.1', '1.2.1'],
    ['something else', undefined],
  ])('%j names %s', (output, want) => {
    expect(parseLimaVersion(output)).toBe(want);
  });

  it("reads the minimum from the template's minimumLimaVersion", () => {
    expect(minimumLimaVersion()).toBe('2.0.0');
  });

  it('accepts the minimum and newer', () => {
    expect(() => assertLimaVersion('limactl version 2.0.0', '2.0.0')).not.toThrow();
    expect(() => assertLimaVersion('limactl version 2.2.0-3-g1234567', '2.0.0')).not.toThrow();
  });

  it('refuses an older Lima, saying what to upgrade', () => {
    expect(() => assertLimaVersion('limactl version 1.2.1', '2.0.0')).toThrow(
      new DriverConfigError("Lima 1.2.1 is too old: rdd's Lima template needs Lima ≥ 2.0.0; upgrade Lima (https://lima-vm.io/docs/installation/), e.g. `brew upgrade lima`", 'lima'),
    );
  });

  it('refuses output it cannot read, quoting it', () => {
    expect(() => assertLimaVersion('limactl: weird\n', '2.0.0')).toThrow(/cannot tell the Lima version from `limactl --version` \("limactl: weird"\); rdd needs Lima ≥ 2\.0\.0/);
  });
});

describe('socket path lengths', () => {
  const paths = instancePaths('2', { env: {}, platform: 'darwin', home: '/Users/u' });

  it("covers the forwarded sockets and Lima's own, the longest being ssh.sock.<16 characters>", () => {
    const sockets = limaHostSockets(paths);
    expect(sockets).toEqual(['/Users/u/.rd2/docker.sock', '/Users/u/.rd2/containerd.sock', '/Users/u/.rd2/lima/rd/ha.sock', `/Users/u/.rd2/lima/rd/ssh.sock.${'x'.repeat(16)}`]);
    const longest = sockets.at(-1)!;
    expect(longest.length - paths.dockerSocket.length).toBe(22);
  });

  it("fails on a HOME short enough for docker.sock but too long for Lima's ssh socket", () => {
    // docker.sock fits macOS's 103 bytes; the ssh socket, 22 bytes longer, does not.
    const home = '/Users/' + 'h'.repeat(103 - '/Users/'.length - '/.rd2/docker.sock'.length - 10);
    const long = instancePaths('2', { env: {}, platform: 'darwin', home });
    expect(Buffer.byteLength(long.dockerSocket)).toBeLessThanOrEqual(103);
    expect(() => assertSocketPathsFit(long, 'darwin')).toThrow(/ssh\.sock\.x{16} \(115 bytes\), over the 103-byte limit for Unix sockets on darwin; use a shorter HOME/);
    expect(() => assertSocketPathsFit(paths, 'darwin')).not.toThrow();
  });
});

describe('the Rosetta check', () => {
  it('names the install command when Rosetta is missing', () => {
    expect(() => assertRosettaInstalled(() => false)).toThrow(/softwareupdate --install-rosetta --agree-to-license/);
    expect(() => assertRosettaInstalled(() => true)).not.toThrow();
  });
});
