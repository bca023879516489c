import type Docker from 'dockerode';

let dockerode: Promise<typeof Docker> | undefined;

/**
 * dockerode, imported on first use: it costs a daemon ~0.5 s to load (ssh2,
 * gRPC, protobufjs), which a daemon whose engine is not up yet need not pay
 * before its API answers. The native driver calls this right after it launches
 * dockerd, so the import overlaps the engine's own start.
 */
export function loadDockerode(): Promise<typeof Docker> {
  dockerode ??= import('dockerode').then((m) => m.default);
  return dockerode;
}
