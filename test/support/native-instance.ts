import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { silentLogger } from '../../src/engine/base/log.js';
import { instancePaths, type InstancePaths } from '../../src/engine/base/paths.js';
import { NativeDriver } from '../../src/engine/vm/native/native-driver.js';
import { startRegistry, type TestRegistry } from './registry.js';

/** One native instance in a temp HOME whose engine pulls busybox from the offline registry. */
export interface NativeInstance {
  home: string;
  paths: InstancePaths;
  registry: TestRegistry;
  /** The docker CLI against the instance's engine; resolves with its trimmed stdout. */
  docker(...args: string[]): Promise<string>;
  /** Removes the engine and its data, the registry and the HOME. */
  cleanUp(): Promise<void>;
}

export async function nativeInstance(prefix: string, name: string): Promise<NativeInstance> {
  const home = mkdtempSync(`/tmp/${prefix}.`);
  const paths = instancePaths(name, { home, env: {} });
  mkdirSync(paths.shortDir, { recursive: true });
  const registry = await startRegistry();
  writeFileSync(paths.daemonJson, JSON.stringify({ 'registry-mirrors': [registry.url] }));
  return {
    home,
    paths,
    registry,
    docker: (...args) =>
      execa('docker', ['--host', `unix://${paths.dockerSocket}`, ...args], { env: { DOCKER_CONFIG: home }, timeout: 60_000 }).then((r) => r.stdout.trim()),
    async cleanUp() {
      await new NativeDriver({ paths, log: silentLogger }).remove();
      await registry.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
