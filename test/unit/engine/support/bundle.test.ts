import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instancePaths } from '../../../../src/engine/base/paths.js';
import { writeSupportBundle } from '../../../../src/engine/support/bundle.js';
import type { Collector } from '../../../../src/engine/support/collector.js';

describe('writeSupportBundle', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rdd-bundle-test-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const collectors: Collector[] = [
    { name: 'good', collect: async (ctx) => ctx.add('good.txt', 'token: abcdef123456\nplain\n') },
    {
      name: 'broken',
      collect: async (ctx) => {
        ctx.add('partial.txt', 'before the failure\n');
        throw new Error('exploded');
      },
    },
    { name: 'hung', timeoutMs: 200, collect: () => new Promise(() => undefined) },
    { name: 'absent', collect: async (ctx) => ctx.skip('daemon is not running') },
  ];

  it('writes every collector, records failures and timeouts, and redacts', async () => {
    const paths = instancePaths('unit', { env: { HOME: dir }, platform: 'linux' });
    const now = new Date('2026-11-26T06:40:00.123Z');
    const { file, manifest } = await writeSupportBundle({ paths, cwd: dir, now, collectors });
    expect(path.basename(file)).toBe('rdd-support-unit-20261126T064000Z.tar.gz');

    const byName = Object.fromEntries(manifest.collectors.map((c) => [c.name, c]));
    expect(byName.good).toMatchObject({ files: ['good.txt'] });
    expect(byName.broken).toMatchObject({ files: ['partial.txt'], error: 'exploded' });
    expect(byName.hung.error).toBe('timed out after 200 ms');
    expect(byName.absent).toMatchObject({ files: [], skipped: 'daemon is not running' });

    const out = path.join(dir, 'x');
    await mkdir(out);
    await tar.x({ file, cwd: out });
    const root = path.join(out, 'rdd-support-unit-20261126T064000Z');
    expect(await readFile(path.join(root, 'good.txt'), 'utf8')).toBe('token: <redacted>\nplain\n');
    expect(await readFile(path.join(root, 'partial.txt'), 'utf8')).toBe('before the failure\n');
    expect(JSON.parse(await readFile(path.join(root, 'manifest.json'), 'utf8')).collectors).toHaveLength(4);
  });
});
