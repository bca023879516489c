import Module, { createRequire } from 'node:module';
import path from 'node:path';
import type Docker from 'dockerode';
import { isBundle } from '../base/build-info.js';
import { unusedModule } from './unused-module.js';

let dockerode: Promise<typeof Docker> | undefined;

/**
 * The transports dockerode and docker-modem load but rdd never uses: ssh2
 * (engines over SSH), gRPC with its proto loader (BuildKit sessions) and
 * protobufjs (BuildKit builds). rdd talks to its engines over Unix sockets
 * only. Loading them costs ~12 MB of a daemon's resident memory all day and
 * ~0.3 s of its start (docs/performance.md, "Idle footprint"). The bundle
 * carries a dockerode built without them (`scripts/bundle.mjs`), so the
 * installed package neither installs nor compiles them (ssh2 builds native
 * code, and cpu-features with it).
 */
export const UNUSED_TRANSPORTS = ['ssh2', '@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs'];

/**
 * Puts a placeholder for each unused transport into Node's require cache
 * (documented as writable), so dockerode's top-level `require()`s find it and
 * load nothing. For dockerode from node_modules (code run from src/ or tsc's
 * output); the bundle has its own dockerode, built without them.
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
    placeholder.exports = unusedModule(id);
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
    if (!isBundle) skipUnusedTransports();
    return (await import('dockerode')).default;
  })();
  return dockerode;
}
