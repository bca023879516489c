import type { Command } from 'commander';
import { bundledAppSpecSchema } from './app/bundled-schema.js';
import { settableProperties } from './app/properties.js';
import { propertyHelp } from './app/property-help.js';
import { globals } from './program/global.js';
import { timeoutOption, waitOption } from './program/options.js';

/** While a first VM create keeps reporting steps: 5 more minutes per step, 30 in all (limactl's own limit for it). */
const FIRST_START_WAIT = { idleMs: 5 * 60_000, maxMs: 30 * 60_000 };

interface SetFlags {
  dryRun: boolean;
  wait: boolean;
  timeout: string;
}

function withSetFlags(cmd: Command): Command {
  return cmd
    .option('--dry-run', 'validate on the server and persist nothing', false)
    .addOption(waitOption('wait until the App has settled'))
    .addOption(timeoutOption('5m', 'how long to wait'));
}

/** `createMissing: false` is `rdd stop`'s promise: stopping nothing creates nothing. */
async function run(cmd: Command, assignments: string[] | Record<string, unknown>, createMissing = true): Promise<void> {
  const flags = cmd.opts<SetFlags>();
  const { paths, log, requestedLog } = globals(cmd);
  const [{ setApp }, { createProgress }, { parseDurationMs }] = await Promise.all([
    import('./app/set-app.js'),
    import('./output/progress.js'),
    import('../engine/base/duration.js'),
  ]);
  const timeoutMs = parseDurationMs(flags.timeout);
  await setApp({ paths, log, requestedLog, progress: createProgress() }, assignments, {
    dryRun: flags.dryRun,
    wait: flags.wait,
    timeoutMs,
    timeoutText: flags.timeout,
    createMissing,
    // The default 5m cannot cover a first Lima start (an image download and an engine install);
    // a --timeout the user gave is theirs.
    ...(cmd.getOptionValueSource('timeout') === 'default' ? { firstStart: FIRST_START_WAIT } : {}),
  });
}

export function register(program: Command): void {
  withSetFlags(
    program
      .command('set')
      .description('change the App (e.g. running=true, containerEngine.name=containerd) and wait until it has settled')
      .argument('<assignments...>', 'PROP=VALUE, PROP in dot notation as in the App CRD spec (listed below)')
      .addHelpText('after', () => propertyHelp(settableProperties(bundledAppSpecSchema()))),
  ).action(async (assignments: string[], _opts, cmd: Command) => run(cmd, assignments));

  withSetFlags(program.command('start').description('start the engine: rdd set running=true')).action(async (_opts, cmd: Command) =>
    run(cmd, { running: true }),
  );
  withSetFlags(program.command('stop').description('stop the engine: rdd set running=false (a missing App stays missing)')).action(
    async (_opts, cmd: Command) => run(cmd, { running: false }, false),
  );
}
