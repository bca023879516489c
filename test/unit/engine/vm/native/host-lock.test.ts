import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { HostLockError, withHostLock } from '../../../../../src/engine/vm/native/host-lock.js';

const dir = mkdtempSync('/tmp/rdd-host-lock.');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('withHostLock', () => {
  it('lets one holder in at a time', async () => {
    const file = path.join(dir, 'turns.lock');
    const events: string[] = [];
    const holder = (name: string) =>
      withHostLock(file, 10, async () => {
        events.push(`${name} in`);
        await delay(50);
        events.push(`${name} out`);
      });
    await Promise.all([holder('a'), holder('b'), holder('c')]);
    for (let i = 0; i < events.length; i += 2) expect(events[i + 1]).toBe(events[i].replace(' in', ' out'));
  });

  it('excludes another process, and gives up after its timeout', async () => {
    const file = path.join(dir, 'other.lock');
    // Another process holds the lock until its stdin ends.
    const other = spawn('flock', ['--exclusive', file, 'sh', '-c', 'echo held; exec cat'], { stdio: ['pipe', 'pipe', 'inherit'] });
    await once(other.stdout, 'data');
    const err = await withHostLock(file, 1, async () => 'ran').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostLockError);
    expect((err as Error).message).toMatch(/cannot lock .*other\.lock within 1s/);
    other.stdin.end();
    await once(other, 'exit');
    expect(await withHostLock(file, 10, async () => 'ran')).toBe('ran');
  });

  it('passes on what the holder throws and frees the lock', async () => {
    const file = path.join(dir, 'throws.lock');
    await expect(withHostLock(file, 10, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await withHostLock(file, 1, async () => 'again')).toBe('again');
  });
});
