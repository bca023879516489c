import { existsSync } from 'node:fs';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockerd, type TestDockerd } from '../../../support/dockerd.js';
import { startRegistry, type TestRegistry } from '../../../support/registry.js';

describe('offline test fixtures', () => {
  let registry: TestRegistry;
  let dockerd: TestDockerd;

  beforeAll(async () => {
    registry = await startRegistry();
    dockerd = await startDockerd({ registryMirror: registry.host });
  });

  afterAll(async () => {
    await dockerd?.stop();
    await registry?.stop();
  });

  it('pulls busybox through the loopback registry mirror and runs it', async () => {
    const docker = new Docker({ socketPath: dockerd.socketPath });
    const stream = await docker.pull('busybox:latest');
    await new Promise((resolve, reject) => docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve(null))));
    const container = await docker.createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'echo hello; exit 3'] });
    await container.start();
    const result = (await container.wait()) as { StatusCode: number };
    expect(result.StatusCode).toBe(3);
    await container.remove();
  });

  it('comes back after SIGKILL and restart with its images', async () => {
    const killedPid = dockerd.pid;
    await dockerd.kill('SIGKILL');
    await dockerd.restart();
    expect(dockerd.pid).not.toBe(killedPid);
    const images = await new Docker({ socketPath: dockerd.socketPath }).listImages();
    expect(images.flatMap((i) => i.RepoTags ?? [])).toContain('busybox:latest');
  });

  it('stop() removes its processes and its dir', async () => {
    const { dir, pid } = dockerd;
    await dockerd.stop();
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(`/proc/${pid}`)).toBe(false);
  });
});
