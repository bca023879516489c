import { constants } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { contextHost, contextName, dockerConfigDir } from '../../engine/base/docker-context-store.js';
import { RddError } from '../../engine/base/errors.js';
import type { InstancePaths } from '../../engine/base/paths.js';
import { quietUnlessWaiting } from '../output/progress.js';
import { setApp, type SetContext } from './set-app.js';

const COMMAND_NOT_FOUND = 127;

/**
 * The environment that aims CMD at the instance's engine, whatever Docker client it uses.
 * DOCKER_CONTEXT names the instance's context when that context is in the Docker config CMD
 * reads. DOCKER_HOST is the instance's socket too, for clients that only read it (the Go
 * SDK's FromEnv, docker-py, dockerode) — except for `docker` itself when the context is set:
 * the docker CLI takes DOCKER_HOST over DOCKER_CONTEXT and would then call the instance's
 * engine the `default` context. The user's own DOCKER_HOST and DOCKER_CONTEXT never pass.
 */
export async function engineEnvironment(paths: InstancePaths, command: string, env: NodeJS.ProcessEnv = process.env): Promise<NodeJS.ProcessEnv> {
  const { DOCKER_HOST: _host, DOCKER_CONTEXT: _context, ...rest } = env;
  const host = `unix://${paths.dockerSocket}`;
  const context = contextName(paths.instance);
  // A context that is missing, or not (yet) this instance's, is not used; an unreadable one neither.
  const contextReady = (await contextHost(dockerConfigDir(env), context).catch(() => undefined)) === host;
  if (!contextReady) return { ...rest, DOCKER_HOST: host };
  if (path.basename(command) === 'docker') return { ...rest, DOCKER_CONTEXT: context };
  return { ...rest, DOCKER_HOST: host, DOCKER_CONTEXT: context };
}

/** `rdd run CMD ARGS...`: starts the App if needed, runs CMD with stdio inherited, returns CMD's exit code. */
export async function runAgainstEngine(ctx: SetContext, command: string, args: readonly string[], timeoutMs: number): Promise<number> {
  await setApp({ ...ctx, progress: quietUnlessWaiting(ctx.progress) }, { running: true }, { dryRun: false, wait: true, timeoutMs });
  const result = await execa(command, args, {
    stdio: 'inherit',
    env: await engineEnvironment(ctx.paths, command),
    extendEnv: false,
    reject: false,
  });
  if (result.failed && result.code === 'ENOENT') {
    // What a shell does: say so and exit 127, so scripts can tell it from CMD's own failures.
    process.stderr.write(`rdd: ${command}: command not found\n`);
    return COMMAND_NOT_FOUND;
  }
  if (result.failed && result.exitCode === undefined && !result.signal) {
    throw new RddError(`cannot run ${command}: ${result.originalMessage ?? result.message}`, { cause: result.cause });
  }
  if (result.signal) return 128 + (constants.signals[result.signal] ?? 0);
  return result.exitCode ?? 1;
}
