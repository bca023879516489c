import { Command, InvalidArgumentError, Option } from 'commander';
import { globals } from './global.js';

interface SetFlags {
  dryRun: boolean;
  wait: boolean;
  timeout: string;
}

function parseBool(text: string): boolean {
  if (/^(true|1|yes)$/i.test(text)) return true;
  if (/^(false|0|no)$/i.test(text)) return false;
  throw new InvalidArgumentError('expected true or false');
}

function withSetFlags(cmd: Command): Command {
  return cmd
    .option('--dry-run', 'validate on the server and persist nothing', false)
    .addOption(new Option('--wait [bool]', 'wait until the App has settled').preset('true').argParser(parseBool).default(true))
    .option('--timeout <duration>', 'how long to wait (Go duration, 0 = forever)', '5m');
}

async function run(cmd: Command, assignments: string[] | Record<string, unknown>): Promise<void> {
  const flags = cmd.opts<SetFlags>();
  const { paths, log } = globals(cmd);
  const [{ setApp }, { createProgress }, { parseDurationMs }] = await Promise.all([
    import('../app/set-app.js'),
    import('../output/progress.js'),
    import('../../base/duration.js'),
  ]);
  const timeoutMs = parseDurationMs(flags.timeout);
  await setApp({ paths, log, progress: createProgress() }, assignments, {
    dryRun: flags.dryRun,
    wait: flags.wait,
    timeoutMs,
    timeoutText: flags.timeout,
  });
}

export function register(program: Command): void {
  withSetFlags(
    program
      .command('set')
      .description('change the App (e.g. running=true, containerEngine.name=containerd) and wait until it has settled')
      .argument('<assignments...>', 'PROP=VALUE, PROP in dot notation as in the App CRD spec'),
  ).action(async (assignments: string[], _opts, cmd: Command) => run(cmd, assignments));

  withSetFlags(program.command('start').description('start the engine: rdd set running=true')).action(async (_opts, cmd: Command) =>
    run(cmd, { running: true }),
  );
  withSetFlags(program.command('stop').description('stop the engine: rdd set running=false')).action(async (_opts, cmd: Command) =>
    run(cmd, { running: false }),
  );
}
