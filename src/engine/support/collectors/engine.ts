import { stat } from 'node:fs/promises';
import { loadDockerode } from '../../vm/dockerode.js';
import { json, type Collector } from '../collector.js';

/** docker info / ps -a / images / volume ls, straight from the engine socket when it answers. */
export const engineCollector: Collector = {
  name: 'engine',
  async collect(ctx) {
    const socket = ctx.paths.dockerSocket;
    if (!(await stat(socket).catch(() => undefined))?.isSocket()) {
      ctx.skip(`engine is not running: no socket at ${socket}`);
      return;
    }
    const Docker = await loadDockerode();
    const docker = new Docker({ socketPath: socket, timeout: 5000 });
    const calls: [string, () => Promise<unknown>][] = [
      ['engine/version.json', () => docker.version()],
      ['engine/info.json', () => docker.info()],
      ['engine/containers.json', () => docker.listContainers({ all: true })],
      ['engine/images.json', () => docker.listImages()],
      ['engine/volumes.json', () => docker.listVolumes()],
    ];
    const failures: string[] = [];
    for (const [file, call] of calls) {
      if (ctx.signal.aborted) break;
      try {
        ctx.add(file, json(await call()));
      } catch (err) {
        failures.push(`${file}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (failures.length === calls.length) ctx.skip(`engine at ${socket} did not answer`);
    if (failures.length > 0) throw new Error(failures.join('; '));
  },
};
