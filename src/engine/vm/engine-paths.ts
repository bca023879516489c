import path from 'node:path';
import type { InstancePaths } from '../base/paths.js';

/**
 * Where an instance's containerd keeps its socket and state. Both drivers need
 * the socket: the native driver binds it, the Lima driver forwards the guest's
 * containerd socket to it. Pure: computing it creates nothing.
 */
export interface ContainerdPaths {
  socket: string;
  root: string;
  state: string;
  config: string;
  pidFile: string;
}

export function containerdPaths(paths: InstancePaths): ContainerdPaths {
  return {
    socket: path.join(paths.shortDir, 'containerd.sock'),
    root: path.join(paths.dir, 'containerd'),
    state: path.join(paths.shortDir, 'containerd'),
    config: path.join(paths.shortDir, 'containerd.toml'),
    pidFile: path.join(paths.shortDir, 'containerd.pid'),
  };
}
