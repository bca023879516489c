import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../src/engine/base/log.js';
import { instancePaths, type InstancePaths } from '../../../../src/engine/base/paths.js';
import { deleteService } from '../../../../src/engine/service/delete.js';

let home: string;

beforeEach(() => {
  home = mkdtempSync('/tmp/rdd.');
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function populate(paths: InstancePaths): void {
  for (const dir of [paths.dir, paths.shortDir, paths.logDir]) mkdirSync(dir, { recursive: true });
  writeFileSync(paths.config, '{"port": 1}\n');
  writeFileSync(path.join(paths.logDir, 'rdd.log'), 'log\n');
}

describe('deleteService (no daemon running)', () => {
  it('removes the service dir, the short dir and the logs, and nothing beside them', async () => {
    const paths = instancePaths('del', { env: {}, platform: 'linux', home });
    populate(paths);
    const neighbour = instancePaths('other', { env: {}, platform: 'linux', home });
    populate(neighbour);

    await expect(deleteService(paths, silentLogger, { timeoutMs: 1000 })).resolves.toEqual({ stoppedPid: undefined });
    expect(existsSync(paths.dir)).toBe(false);
    expect(existsSync(paths.shortDir)).toBe(false);
    expect(existsSync(neighbour.dir)).toBe(true);
    expect(existsSync(neighbour.shortDir)).toBe(true);
    expect(existsSync(home)).toBe(true);
  });

  it('in a log dir of its own choosing (RDD_LOGS_DIR) removes only its *.log files', async () => {
    const logs = path.join(home, 'shared-logs');
    const paths = instancePaths('del', { env: { RDD_LOGS_DIR: logs }, platform: 'linux', home });
    populate(paths);
    writeFileSync(path.join(logs, 'notes.txt'), 'not ours\n');

    await deleteService(paths, silentLogger, { timeoutMs: 1000 });
    expect(existsSync(path.join(logs, 'rdd.log'))).toBe(false);
    expect(existsSync(path.join(logs, 'notes.txt'))).toBe(true);
  });

  it('is fine when nothing was ever created', async () => {
    const paths = instancePaths('never', { env: {}, platform: 'linux', home });
    await expect(deleteService(paths, silentLogger, { timeoutMs: 1000 })).resolves.toEqual({ stoppedPid: undefined });
  });
});
