import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import type { Collector } from '../collector.js';

/** Host memory and memory pressure: /proc on Linux, vm_stat on macOS. */
export const memoryCollector: Collector = {
  name: 'memory',
  async collect(ctx) {
    if (process.platform === 'darwin') {
      const { stdout } = await execa('vm_stat', { cancelSignal: ctx.signal });
      ctx.add('memory/vm_stat.txt', stdout);
      return;
    }
    ctx.add('memory/meminfo.txt', await readFile('/proc/meminfo', 'utf8'));
    const pressure = await readFile('/proc/pressure/memory', 'utf8').catch(() => undefined);
    if (pressure === undefined) ctx.skip('/proc/pressure/memory not available (kernel without PSI)');
    else ctx.add('memory/pressure.txt', pressure);
  },
};
