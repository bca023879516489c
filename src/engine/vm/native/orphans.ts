import { readdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import type { Logger } from '../../base/log.js';
import type { InstancePaths } from '../../base/paths.js';
import { pingDockerSocket } from '../docker-ping.js';
import { loadDockerode } from '../dockerode.js';
import { processArgv, signalProcess } from './engine-process.js';
import { run } from './run.js';

/*
 * dockerd runs with live-restore, so containers outlive it: an engine crash or
 * restart keeps them running. A stop the user asked for, and a crash limit
 * that gives up, must not leave them behind, so they are stopped here — as
 * dockerd itself would on shutdown without live-restore.
 */

/** Stops every running container through the engine, each with `graceSeconds` before SIGKILL, all at once. */
export async function stopContainers(socketPath: string, graceSeconds: number, log: Logger): Promise<void> {
  // A hung engine gets no graceful round: the SIGTERM/SIGKILL and the orphan cleanup after it do the job.
  if (!(await pingDockerSocket(socketPath))) return;
  const DockerClient = await loadDockerode();
  const docker = new DockerClient({ socketPath, timeout: (graceSeconds + 10) * 1000 });
  let running: Docker.ContainerInfo[];
  try {
    running = await docker.listContainers();
  } catch (err) {
    log.warn('cannot list containers before stopping the engine; orphans are cleaned up after it exits', { error: err });
    return;
  }
  const results = await Promise.allSettled(running.map((c) => docker.getContainer(c.Id).stop({ t: graceSeconds })));
  results.forEach((r, i) => {
    if (r.status === 'rejected' && (r.reason as { statusCode?: number }).statusCode !== 304) {
      log.warn(`cannot stop container ${running[i].Id.slice(0, 12)}`, { error: r.reason });
    }
  });
}

/** runc's state dir for dockerd's containers: dockerd sets it below its exec-root. */
function runcRoot(paths: InstancePaths): string {
  return path.join(paths.dockerExecRoot, 'runtime-runc', 'moby');
}

/** containerd-shim processes of this instance: their argv names the instance's containerd socket under its exec-root. */
function instanceShims(paths: InstancePaths): number[] {
  const marker = path.join(paths.dockerExecRoot, 'containerd', 'containerd.sock');
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const argv = processArgv(pid);
    if (argv && path.basename(argv[0]).startsWith('containerd-shim') && argv.some((a, i) => a === marker && argv[i - 1] === '-address')) pids.push(pid);
  }
  return pids;
}

/**
 * After dockerd is gone: kills and deletes what runc still runs for it, then
 * the shims that supervised those containers. Nothing else is touched: runc's
 * root and the shims' socket are both below this instance's exec-root.
 */
export async function killOrphanedContainers(paths: InstancePaths, log: Logger): Promise<void> {
  const root = runcRoot(paths);
  const ids = await readdir(root).catch(() => [] as string[]);
  for (const id of ids) {
    const { exitCode, stderr } = await run('runc', ['--root', root, 'delete', '--force', id], { reject: false });
    if (exitCode !== 0) log.warn(`cannot remove orphaned container ${id.slice(0, 12)}`, { error: stderr.trim() });
    else log.info(`removed orphaned container ${id.slice(0, 12)} (its engine is gone)`);
  }
  for (const pid of instanceShims(paths)) signalProcess(pid, 'SIGKILL');
}
