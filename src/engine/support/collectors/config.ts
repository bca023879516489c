import { readFile } from 'node:fs/promises';
import type { Collector } from '../collector.js';

/** config.json, the engine's daemon.json and the kubeconfig; the bundle's redaction pass masks secrets. */
export const configCollector: Collector = {
  name: 'config',
  async collect(ctx) {
    const files: [string, string][] = [
      ['config/config.json', ctx.paths.config],
      ['config/daemon.json', ctx.paths.daemonJson],
      ['config/kubeconfig', ctx.paths.kubeconfig],
    ];
    const missing: string[] = [];
    for (const [name, file] of files) {
      const content = await readFile(file, 'utf8').catch(() => undefined);
      if (content === undefined) missing.push(file);
      else ctx.add(name, content);
    }
    if (missing.length > 0) ctx.skip(`not present: ${missing.join(', ')}`);
  },
};
