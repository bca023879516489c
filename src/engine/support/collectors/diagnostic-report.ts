import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { runningDaemon } from '../../service/pidfile.js';
import type { Collector } from '../collector.js';
import { catchesSignal } from '../processes.js';

const REPORT_FILE = /^report\.\d{8}\.\d{6}\.(\d+)\.\d+\.\d+\.json$/;

async function reportsOf(dir: string, pid: number): Promise<Set<string>> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return new Set(names.filter((n) => REPORT_FILE.exec(n)?.[1] === String(pid)));
}

/**
 * A Node diagnostic report (stacks, heap summary, handles) of the running
 * daemon: SIGUSR2 makes it write one into the log dir; we wait for it, whole.
 */
export const diagnosticReportCollector: Collector = {
  name: 'diagnostic-report',
  timeoutMs: 15_000,
  async collect(ctx) {
    const daemon = runningDaemon(ctx.paths);
    if (!daemon) {
      ctx.skip('daemon is not running: no diagnostic report');
      return;
    }
    // Without a handler SIGUSR2 would kill the daemon: only ask one that listens.
    if (process.platform === 'linux' && !catchesSignal(daemon.pid, 'SIGUSR2')) {
      ctx.skip(`daemon pid ${daemon.pid} does not handle SIGUSR2: no diagnostic report`);
      return;
    }
    const before = await reportsOf(ctx.paths.logDir, daemon.pid);
    process.kill(daemon.pid, 'SIGUSR2');
    while (!ctx.signal.aborted) {
      for (const name of await reportsOf(ctx.paths.logDir, daemon.pid)) {
        if (before.has(name)) continue;
        const text = await readFile(path.join(ctx.paths.logDir, name), 'utf8');
        try {
          JSON.parse(text); // still being written when it does not parse yet
        } catch {
          continue;
        }
        ctx.add(`diagnostics/${name}`, text);
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  },
};
