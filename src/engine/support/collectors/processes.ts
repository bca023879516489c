import { readdir, readlink } from 'node:fs/promises';
import { json, type Collector } from '../collector.js';
import type { ProcessInfo } from '../processes.js';

/** An indented tree, roots first: what `ps -ejH` would show for this instance only. */
function renderTree(procs: readonly ProcessInfo[]): string {
  const pids = new Set(procs.map((p) => p.pid));
  const children = new Map<number, ProcessInfo[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const lines: string[] = ['PID\tPPID\tCOMMAND'];
  const walk = (p: ProcessInfo, depth: number) => {
    lines.push(`${p.pid}\t${p.ppid}\t${'  '.repeat(depth)}${p.argv.join(' ')}`);
    for (const c of children.get(p.pid) ?? []) walk(c, depth + 1);
  };
  for (const root of procs.filter((p) => !pids.has(p.ppid))) walk(root, 0);
  return `${lines.join('\n')}\n`;
}

/** The instance's processes (found by anchored markers only) with their parents and command lines. */
export const processTreeCollector: Collector = {
  name: 'processes',
  async collect(ctx) {
    if (ctx.processes.length === 0) {
      ctx.skip('no process of this instance is running');
      return;
    }
    ctx.add('processes/tree.txt', renderTree(ctx.processes));
    ctx.add('processes/processes.json', json(ctx.processes.map(({ pid, ppid, argv }) => ({ pid, ppid, argv }))));
  },
};

/** Open file descriptors of each instance process (/proc/<pid>/fd). */
export const openFilesCollector: Collector = {
  name: 'open-files',
  async collect(ctx) {
    if (process.platform !== 'linux') {
      ctx.skip(`open file descriptors are read from /proc, not available on ${process.platform}`);
      return;
    }
    if (ctx.processes.length === 0) {
      ctx.skip('no process of this instance is running');
      return;
    }
    const sections: string[] = [];
    for (const p of ctx.processes) {
      const fds = await readdir(`/proc/${p.pid}/fd`).catch(() => undefined);
      if (!fds) continue;
      const targets = await Promise.all(
        fds
          .sort((a, b) => Number(a) - Number(b))
          .map(async (fd) => `  ${fd} -> ${await readlink(`/proc/${p.pid}/fd/${fd}`).catch(() => '?')}`),
      );
      sections.push(`${p.pid} ${p.argv.join(' ')} (${fds.length} fds)\n${targets.join('\n')}`);
    }
    ctx.add('processes/open-files.txt', `${sections.join('\n\n')}\n`);
  },
};
