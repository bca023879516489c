import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/engine/base/log.js';
import { instancePaths, type InstancePaths } from '../../../src/engine/base/paths.js';
import { startService } from '../../../src/engine/service/lifecycle.js';
import { stopService } from '../../../src/engine/service/stop.js';
import { useHome } from '../../support/env.js';
import { fillDisk, mountTmpfs, unmountTmpfs } from '../../support/tmpfs.js';

/**
 * `rdd svc start` on a disk that is already full (the real daemon process: run `npm run build`
 * first): the start fails saying the disk is full (ENOSPC) and what to do, not only which file
 * it could not write.
 */
let mountPoint: string;
let paths: InstancePaths;
let restoreEnv: (() => void) | undefined;

describe('fault: starting on a full disk', () => {
  beforeAll(async () => {
    mountPoint = mountTmpfs('rdd-diskfull-start.', '20m');
    restoreEnv = useHome(mountPoint, path.join(mountPoint, 'data'));
    paths = instancePaths('fullstart', { platform: 'linux' });
    // Created once with room, so that the service exists; stopped again before the disk fills.
    await startService(paths, silentLogger, { timeoutMs: 60_000 });
    await stopService(paths, silentLogger, { timeoutMs: 30_000 });
    fillDisk(path.join(mountPoint, 'filler'));
  });
  afterAll(async () => {
    restoreEnv?.();
    if (mountPoint) await unmountTmpfs(mountPoint);
  });

  it('names ENOSPC and says to free disk space', async () => {
    const err = await startService(paths, silentLogger, { timeoutMs: 60_000 }).then(
      () => undefined,
      (e: unknown) => e as Error & { suggestion?: string },
    );
    expect(err).toBeDefined();
    const said = `${err!.message}\n${err!.suggestion ?? ''}`;
    expect(said).toMatch(/no space left on the device .*\(ENOSPC\)/);
    expect(said).toMatch(/free disk space/);
  });
});
