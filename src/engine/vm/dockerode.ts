import Module, { createRequire } from 'node:module';
import path from 'node:path';
import type Docker from 'dockerode';

let dockerode: Promise<typeof Docker> | undefined;

/**
 * The transports dockerode and docker-modem load at import but rdd never uses:
 * ssh2 (engines over SSH) and gRPC with its proto loader (BuildKit sessions).
 * rdd talks to its engines over Unix sockets only. Loading them costs ~12 MB
 * of a daemon's resident memory all day and ~0.3 s of its start
 * (docs/performance.md, "Idle footprint").
 */
const UNUSED_TRANSPORTS = ['ssh2', '@grpc/grpc-js', '@grpc/proto-loader'];

/**
 * Puts a placeholder for each unused transport into Node's require cache
 * (documented as writable), so dockerode's top-level `require()`s find it and
 * load nothing. The placeholder's members throw if anything ever reaches them,
 * naming the module, instead of failing with an undefined.
 */
function skipUnusedTransports(): void {
  const require = createRequire(import.meta.url);
  // Where dockerode and its docker-modem resolve their own requires from.
  const dockerodeDir = path.dirname(require.resolve('dockerode/package.json'));
  const from = [dockerodeDir, path.dirname(require.resolve('docker-modem/package.json', { paths: [dockerodeDir] }))];
  for (const id of UNUSED_TRANSPORTS) {
    let file: string;
    try {
      file = require.resolve(id, { paths: from });
    } catch {
      continue; // not installed: nothing would load it either
    }
    if (require.cache[file]) continue;
    const placeholder = new Module(file);
    placeholder.filename = file;
    placeholder.loaded = true;
    placeholder.exports = new Proxy(
      {},
      {
        // A plain function, so that `new Client()` reaches the throw too.
        get: (_target, member) =>
          function unused(): never {
            throw new Error(`rdd does not load ${id} (${String(member)}): it reaches engines over Unix sockets only`);
          },
      },
    );
    require.cache[file] = placeholder;
  }
}

/**
 * dockerode, imported on first use: it costs a daemon ~0.3 s to load, which a
 * daemon whose engine is not up yet need not pay before its API answers. The
 * native driver calls this right after it launches dockerd, so the import
 * overlaps the engine's own start.
 */
export function loadDockerode(): Promise<typeof Docker> {
  dockerode ??= (async () => {
    skipUnusedTransports();
    return (await import('dockerode')).default;
  })();
  return dockerode;
}
