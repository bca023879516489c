import { constants } from 'node:os';
import { execa } from 'execa';
import { RddError } from '../../engine/base/errors.js';
import { quietUnlessWaiting } from '../output/progress.js';
import { setApp, type SetContext } from './set-app.js';

const COMMAND_NOT_FOUND = 127;

/** The environment that aims Docker clients at `socket`: DOCKER_HOST set, DOCKER_CONTEXT unset (it would win). */
export function engineEnvironment(socket: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, DOCKER_HOST: `unix://${socket}` };
  delete out.DOCKER_CONTEXT;
  return out;
}

/** `rdd run CMD ARGS...`: starts the App if needed, runs CMD with stdio inherited, returns CMD's exit code. */
export async function runAgainstEngine(ctx: SetContext, command: string, args: readonly string[], timeoutMs: number): Promise<number> {
  await setApp({ ...ctx, progress: quietUnlessWaiting(ctx.progress) }, { running: true }, { dryRun: false, wait: true, timeoutMs });
  const result = await execa(command, args, {
    stdio: 'inherit',
    env: engineEnvironment(ctx.paths.dockerSocket),
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
