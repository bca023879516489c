import { describe, expect, it } from 'vitest';
import { assertSocketPathFits, instancePaths, resolveInstance } from '../../../../src/engine/base/paths.js';

describe('resolveInstance', () => {
  it.each([
    { flag: 'dev', env: { RDD_INSTANCE: 'ci' }, want: 'dev' },
    { flag: undefined, env: { RDD_INSTANCE: 'ci' }, want: 'ci' },
    { flag: undefined, env: {}, want: '2' },
    { flag: undefined, env: { RDD_INSTANCE: '' }, want: '2' },
  ])('flag $flag, env $env → $want', ({ flag, env, want }) => {
    expect(resolveInstance(flag, env)).toBe(want);
  });

  it.each(['UPPER', '-lead', 'trail-', 'a/b', 'x'.repeat(33), 'sp ace'])('rejects %j with a usage error', (name) => {
    expect(() => resolveInstance(name, {})).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});

describe('instancePaths', () => {
  it('derives every socket from the instance, not a fixed .rd2', () => {
    const p = instancePaths('7', { env: {}, platform: 'linux', home: '/home/u' });
    expect(p.dir).toBe('/home/u/.local/share/rancher-desktop-7');
    expect(p.shortDir).toBe('/home/u/.rd7');
    expect(p.dockerSocket).toBe('/home/u/.rd7/docker.sock');
    expect(p.limaHome).toBe('/home/u/.rd7/lima');
    expect(p.daemonJson).toBe('/home/u/.rd7/daemon.json');
    expect(p.logDir).toBe('/home/u/.local/share/rancher-desktop-7/logs');
  });

  it('honours XDG_DATA_HOME and RDD_LOGS_DIR on Linux', () => {
    const p = instancePaths('2', { env: { XDG_DATA_HOME: '/data', RDD_LOGS_DIR: '/logs' }, platform: 'linux', home: '/h' });
    expect(p.dir).toBe('/data/rancher-desktop-2');
    expect(p.logDir).toBe('/logs');
  });

  it('uses Application Support on macOS', () => {
    const p = instancePaths('2', { env: { XDG_DATA_HOME: '/ignored' }, platform: 'darwin', home: '/Users/u' });
    expect(p.dir).toBe('/Users/u/Library/Application Support/rancher-desktop-2');
  });
});

describe('assertSocketPathFits', () => {
  it('accepts 107 bytes on Linux and rejects 108 with the path in the message', () => {
    expect(() => assertSocketPathFits('/' + 'a'.repeat(106), 'linux')).not.toThrow();
    expect(() => assertSocketPathFits('/' + 'a'.repeat(107), 'linux')).toThrow(/108 bytes, over the 107-byte limit/);
  });

  it('is stricter on macOS', () => {
    expect(() => assertSocketPathFits('/' + 'a'.repeat(104), 'darwin')).toThrow(/103-byte limit/);
  });
});
