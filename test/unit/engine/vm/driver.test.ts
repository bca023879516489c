import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isTerminal } from '../../../../src/engine/base/errors.js';
import { silentLogger } from '../../../../src/engine/base/log.js';
import { instancePaths } from '../../../../src/engine/base/paths.js';
import { DriverConfigError, DriverError } from '../../../../src/engine/vm/driver.js';
import { parseLimaList } from '../../../../src/engine/vm/lima/limactl.js';
import { daemonJsonContent } from '../../../../src/engine/vm/lima/lima-settings.js';
import { assertLimaVersion, assertRosettaInstalled } from '../../../../src/engine/vm/lima/preflight.js';
import { limaArch } from '../../../../src/engine/vm/lima/template.js';
import { NativeDriver } from '../../../../src/engine/vm/native/native-driver.js';
import { TransientStartError } from '../../../../src/engine/vm/native/start-failure.js';

// Each kind of DriverError throw site, as the App's work queue reads it (isTerminal): bad
// configuration and missing tools hold the App until the user changes something; a command that
// failed and may pass on retry is retried with backoff.

const home = mkdtempSync('/tmp/rdd-driver-errors.');
afterAll(() => rmSync(home, { recursive: true, force: true }));
const paths = instancePaths('drverr', { env: {}, home });
const found = (...names: string[]) => (name: string) => (names.includes(name) ? `/usr/bin/${name}` : undefined);

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

async function nativeStartError(daemonJson: string | undefined, options: { isRoot: boolean; tools: string[] }): Promise<unknown> {
  mkdirSync(paths.shortDir, { recursive: true });
  rmSync(paths.daemonJson, { force: true });
  if (daemonJson !== undefined) writeFileSync(paths.daemonJson, daemonJson);
  const driver = new NativeDriver(
    { paths, log: silentLogger },
    { isRoot: options.isRoot, lookup: found(...options.tools), hostLockFile: path.join(home, 'engines.lock') },
  );
  return driver.start({ engine: 'moby' }).then(() => new Error('expected the start to fail'), (err: unknown) => err);
}

describe('terminal: bad configuration and missing tools', () => {
  it.each([
    { what: 'dockerd missing', daemonJson: undefined, isRoot: true, tools: [], message: /dockerd is not installed/ },
    { what: 'no root and no rootless Docker', daemonJson: undefined, isRoot: false, tools: ['dockerd'], message: /needs root to run dockerd/ },
    { what: 'daemon.json not JSON', daemonJson: '{', isRoot: true, tools: ['dockerd'], message: /is not valid JSON/ },
    { what: 'daemon.json setting what rdd sets', daemonJson: '{"bridge":"docker0"}', isRoot: true, tools: ['dockerd'], message: /sets "bridge", which rdd sets itself/ },
    { what: 'daemon.json not an object', daemonJson: '[]', isRoot: true, tools: ['dockerd'], message: /must hold a JSON object/ },
  ])('native: $what', async ({ daemonJson, isRoot, tools, message }) => {
    const err = await nativeStartError(daemonJson, { isRoot, tools });
    expect(err).toBeInstanceOf(DriverConfigError);
    expect((err as Error).message).toMatch(message);
    expect(isTerminal(err)).toBe(true);
  });

  it.each([
    { what: 'Lima too old', fn: () => assertLimaVersion('limactl version 1.0.0', '2.0.0') },
    { what: 'Lima version unreadable', fn: () => assertLimaVersion('limactl says hello', '2.0.0') },
    { what: 'Rosetta missing', fn: () => assertRosettaInstalled(() => false) },
    { what: 'unsupported host arch', fn: () => limaArch('ia32') },
    { what: 'daemon.json not JSON', fn: () => daemonJsonContent('{', '/x/daemon.json') },
  ])('lima: $what', ({ fn }) => {
    const err = thrown(fn);
    expect(err).toBeInstanceOf(DriverConfigError);
    expect(isTerminal(err)).toBe(true);
  });
});

describe('retryable: a command that failed and may pass on retry', () => {
  it.each([
    { what: 'limactl list printed no JSON', fn: () => parseLimaList('{not json') },
    { what: 'limactl list entry without a name', fn: () => parseLimaList('{"status":"Running"}') },
  ])('lima: $what', ({ fn }) => {
    const err = thrown(fn);
    expect(err).toBeInstanceOf(DriverError);
    expect(isTerminal(err)).toBe(false);
  });

  it('native: an engine that lost a firewall race with another start', () => {
    const err = new TransientStartError('dockerd exited while starting; ... Chain already exists');
    expect(err).toBeInstanceOf(DriverError);
    expect(err).not.toBeInstanceOf(DriverConfigError);
    expect(isTerminal(err)).toBe(false);
  });
});
