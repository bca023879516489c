import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../src/engine/base/log.js';
import { instancePaths, type InstancePaths } from '../../../../src/engine/base/paths.js';
import { createService } from '../../../../src/engine/service/create.js';
import { startService } from '../../../../src/engine/service/lifecycle.js';
import { formatPidRecord } from '../../../../src/engine/service/pidfile.js';
import { processStartToken } from '../../../../src/engine/service/process-info.js';
import { probeReady } from '../../../../src/engine/service/readiness.js';
import { stopService } from '../../../../src/engine/service/stop.js';
import { useHome } from '../../../support/env.js';

/**
 * `svc start` (and every command that starts the daemon) finds a daemon
 * running that is about to die: one being stopped, or SIGKILLed a moment ago
 * and not yet reaped. Spawns dist/bundle/main.js: run `npm run build` first.
 */
let home: string;
let paths: InstancePaths;
let dying: ChildProcess | undefined;
let restoreEnv: (() => void) | undefined;

beforeAll(async () => {
  home = mkdtempSync('/tmp/rdd-start-race.');
  restoreEnv = useHome(home);
  paths = instancePaths('race', { platform: 'linux' });
  await createService(paths, silentLogger);
});
afterAll(async () => {
  dying?.kill('SIGKILL');
  await stopService(paths, silentLogger, { timeoutMs: 30_000 }).catch(() => undefined);
  restoreEnv?.();
  rmSync(home, { recursive: true, force: true });
});

describe('svc start while the recorded daemon is on its way out', () => {
  it('starts a new daemon once the one it waited for exits, instead of waiting on a dead one', async () => {
    // A live process recorded as the daemon, as a daemon's own pidfile would record it; it never answers.
    dying = spawn('sleep', ['600'], { stdio: 'ignore' });
    const pid = dying.pid!;
    writeFileSync(paths.pidFile, formatPidRecord({ pid, start: processStartToken(pid) }));

    const quiet = () => undefined;
    const result = await startService(paths, silentLogger, {
      timeoutMs: 60_000,
      // Its first "still waiting" is the moment the waited-for daemon dies.
      progress: { update: (text) => void (text.startsWith('waiting for the rdd daemon') && dying?.kill('SIGKILL')), succeed: quiet, fail: quiet, info: quiet, stop: quiet },
    });
    expect(result.pid).not.toBe(pid);
    expect(result.alreadyRunning).toBe(false);
    await expect(probeReady(paths)).resolves.toMatchObject({ ready: true });
  });
});
