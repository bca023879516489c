import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode, RddError } from '../../../../src/engine/base/errors.js';
import { instancePaths } from '../../../../src/engine/base/paths.js';
import { requestedLogSettings } from '../../../../src/commands/program/log-settings.js';
import { readServiceConfig, writeServiceConfig } from '../../../../src/engine/service/config.js';
import { daemonLogging } from '../../../../src/engine/service/spawn-daemon.js';
import { rejectionOf } from '../../../support/rejection.js';

describe('requestedLogSettings', () => {
  it('takes the flag over the env var, and leaves unset what neither gives', () => {
    expect(requestedLogSettings({}, {})).toEqual({ level: undefined, format: undefined });
    expect(requestedLogSettings({}, { RDD_LOG_LEVEL: 'debug', RDD_LOG_FORMAT: 'JSON' })).toEqual({ level: 'debug', format: 'json' });
    expect(requestedLogSettings({ level: 'warn', format: 'text' }, { RDD_LOG_LEVEL: 'debug', RDD_LOG_FORMAT: 'json' })).toEqual({
      level: 'warn',
      format: 'text',
    });
    expect(requestedLogSettings({}, { RDD_LOG_LEVEL: '' })).toEqual({ level: undefined, format: undefined });
  });

  it.each([
    ['trace', 'debug'],
    ['warning', 'warn'],
  ])('takes the reference CLI\'s level name %s as %s, from the flag or the env var', (name, level) => {
    expect(requestedLogSettings({ level: name }, {}).level).toBe(level);
    expect(requestedLogSettings({}, { RDD_LOG_LEVEL: name.toUpperCase() }).level).toBe(level);
  });

  it.each([
    [{ RDD_LOG_LEVEL: 'loud' }, 'invalid RDD_LOG_LEVEL "loud": use one of trace, debug, info, warn, warning, error'],
    [{ RDD_LOG_FORMAT: 'yaml' }, 'invalid RDD_LOG_FORMAT "yaml": use one of text, json'],
  ])('%j is a usage error naming the variable', async (env, message) => {
    const err = await rejectionOf(Promise.resolve().then(() => requestedLogSettings({}, env)), RddError);
    expect(err.exitCode).toBe(ExitCode.Usage);
    expect(err.message).toBe(message);
  });
});

describe("the daemon's log settings", () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'rdd-log-settings-'));
  const paths = instancePaths('t', { env: { HOME: home }, platform: 'linux' });
  const configIn = (dir: string) => ({ config: path.join(dir, 'config.json') });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('are the given ones, else the kept ones, else info/text', () => {
    const p = { ...paths, ...configIn(home) };
    expect(daemonLogging(p)).toEqual({ level: 'info', format: 'text' });
    writeServiceConfig(p, { port: 6443, logLevel: 'debug', logFormat: 'json' });
    expect(daemonLogging(p)).toEqual({ level: 'debug', format: 'json' });
    expect(daemonLogging(p, { logLevel: 'warn' })).toEqual({ level: 'warn', format: 'json' });
    writeServiceConfig(p, { port: 6443 });
    expect(daemonLogging(p, { logFormat: 'json' })).toEqual({ level: 'info', format: 'json' });
  });

  it('reject a config whose kept level is not one', async () => {
    const p = configIn(home);
    writeFileSync(p.config, JSON.stringify({ port: 6443, logLevel: 'loud' }));
    const err = await rejectionOf(Promise.resolve().then(() => readServiceConfig(p)), RddError);
    expect(err.message).toContain('invalid "logLevel" or "logFormat"');
  });
});
