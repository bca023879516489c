import { mkdtempSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { RddError } from '../../../../src/engine/base/errors.js';
import { silentLogger } from '../../../../src/engine/base/log.js';
import { instancePaths } from '../../../../src/engine/base/paths.js';
import { DriverConfigError } from '../../../../src/engine/vm/driver.js';
import type { ExecutableLookup } from '../../../../src/engine/vm/find-executable.js';
import { pathLookup } from '../../../../src/engine/vm/find-executable.js';
import { NativeDriver } from '../../../../src/engine/vm/native/native-driver.js';
import { createDriver, resolveDriverChoice, type DriverChoice } from '../../../../src/engine/vm/select-driver.js';

const found = (...names: string[]): ExecutableLookup => (name) => (names.includes(name) ? `/usr/bin/${name}` : undefined);

describe('resolveDriverChoice', () => {
  it.each([
    { choice: 'auto', platform: 'linux', tools: ['limactl'], want: 'lima' },
    { choice: 'auto', platform: 'linux', tools: [], want: 'native' },
    { choice: 'auto', platform: 'darwin', tools: ['limactl'], want: 'lima' },
    { choice: 'native', platform: 'linux', tools: ['limactl'], want: 'native' },
    { choice: 'lima', platform: 'linux', tools: ['limactl'], want: 'lima' },
  ] as const)('$choice on $platform with $tools → $want', ({ choice, platform, tools, want }) => {
    expect(resolveDriverChoice(choice, { platform, lookup: found(...tools) })).toBe(want);
  });

  it.each([
    { choice: 'auto', platform: 'darwin', message: /no VM driver available on darwin: limactl is not on PATH/ },
    { choice: 'lima', platform: 'linux', message: /the lima driver needs limactl/ },
    { choice: 'native', platform: 'darwin', message: /the native driver runs only on Linux/ },
  ] as const)('$choice on $platform without limactl fails clearly', ({ choice, platform, message }) => {
    let err: unknown;
    try {
      resolveDriverChoice(choice as DriverChoice, { platform, lookup: found() });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RddError);
    expect((err as RddError).message).toMatch(message);
    expect((err as RddError).suggestion).toMatch(/install Lima/);
  });
});

describe('createDriver', () => {
  const ctx = { paths: instancePaths('2', { env: {}, home: '/nonexistent' }), log: silentLogger };

  it('builds the driver auto picks', async () => {
    expect((await createDriver('auto', ctx, { platform: 'linux', lookup: found('limactl') })).name).toBe('lima');
    expect((await createDriver('auto', ctx, { platform: 'linux', lookup: found() })).name).toBe('native');
  });
});

describe('pathLookup', () => {
  it('finds executables only', () => {
    expect(pathLookup('/nonexistent:/bin')('sh')).toBe('/bin/sh');
    expect(pathLookup('/etc')('passwd')).toBeUndefined();
    expect(pathLookup('')('sh')).toBeUndefined();
  });
});

describe('native driver preflight errors', () => {
  const home = mkdtempSync('/tmp/rdd.');
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const ctx = { paths: instancePaths('pre', { env: {}, home }), log: silentLogger };

  it.each([
    { what: 'no root, no rootless Docker', isRoot: false, tools: ['dockerd'], engine: 'moby', message: /needs root to run dockerd, or rootless Docker.*dockerd-rootless\.sh/ },
    { what: 'no dockerd', isRoot: true, tools: [], engine: 'moby', message: /dockerd is not installed: install docker\.io \(Debian\/Ubuntu\) or docker-ce/ },
    { what: 'no containerd', isRoot: true, tools: [], engine: 'containerd', message: /containerd is not installed/ },
    { what: 'containerd without root', isRoot: false, tools: ['containerd'], engine: 'containerd', message: /needs root to run containerd/ },
  ] as const)('$what', async ({ isRoot, tools, engine, message }) => {
    const driver = new NativeDriver(ctx, { isRoot, lookup: found(...tools) });
    const err = await driver.start({ engine }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DriverConfigError);
    expect((err as Error).message).toMatch(message);
    expect(await driver.state()).toEqual({ phase: 'absent' });
  });
});
