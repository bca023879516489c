import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadDockerode } from '../../../../src/engine/vm/dockerode.js';

const require = createRequire(import.meta.url);

describe('loadDockerode', () => {
  it('loads dockerode without its SSH, gRPC and protobuf modules, and says so if one is ever reached', async () => {
    const Docker = await loadDockerode();
    const loaded = Object.keys(require.cache).filter((file) => /[/\\]node_modules[/\\](ssh2|@grpc|protobufjs)[/\\]/.test(file));
    // One placeholder per package, and not one of their files read (the real ones are ~90 files).
    expect(loaded).toHaveLength(4);
    await expect(new Docker({ protocol: 'ssh', host: 'example.invalid', username: 'u' }).ping()).rejects.toThrow(/rdd does not load ssh2/);
    // The Unix-socket transport is the real one.
    await expect(new Docker({ socketPath: '/nonexistent/docker.sock' }).ping()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
