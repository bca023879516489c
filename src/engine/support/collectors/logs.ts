import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Collector } from '../collector.js';

const TAIL_BYTES = 2 * 1024 * 1024;

/** The last TAIL_BYTES of a file, starting at a line boundary when cut. */
async function tail(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - TAIL_BYTES);
    const buf = Buffer.alloc(size - start);
    await handle.read(buf, 0, buf.length, start);
    const text = buf.toString('utf8');
    return start === 0 ? text : `[... first ${start} bytes omitted ...]\n${text.slice(text.indexOf('\n') + 1)}`;
  } finally {
    await handle.close();
  }
}

async function regularFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  const files: string[] = [];
  for (const name of entries) {
    const full = path.join(dir, name);
    if ((await stat(full).catch(() => undefined))?.isFile()) files.push(full);
  }
  return files;
}

/** Daemon, engine (dockerd) and Lima logs, tails only. Diagnostic reports have their own collector. */
export const logsCollector: Collector = {
  name: 'logs',
  async collect(ctx) {
    const logFiles = (await regularFiles(ctx.paths.logDir)).filter((f) => !/^report\..*\.json$/.test(path.basename(f)));
    const limaInstances = await readdir(ctx.paths.limaHome).catch(() => [] as string[]);
    const limaFiles = (
      await Promise.all(limaInstances.filter((n) => !n.startsWith('_')).map((n) => regularFiles(path.join(ctx.paths.limaHome, n))))
    )
      .flat()
      .filter((f) => f.endsWith('.log'));
    if (logFiles.length === 0 && limaFiles.length === 0) ctx.skip(`no logs in ${ctx.paths.logDir}`);
    for (const file of logFiles) ctx.add(`logs/${path.basename(file)}`, await tail(file));
    for (const file of limaFiles) ctx.add(`logs/lima/${path.relative(ctx.paths.limaHome, file)}`, await tail(file));
  },
};
