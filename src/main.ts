import { runCtl } from './cli/commands/ctl.js';
import { reportError } from './cli/report-error.js';
import type { RunDaemon } from './cli/commands/svc.js';

// The composition root: the only module that knows both the CLI and the daemon.
const runDaemon: RunDaemon = async (paths, options) => (await import('./daemon/run-daemon.js')).runDaemon(paths, options);

// `rdd ctl` must add little to kubectl's own start-up (docs/performance.md), so
// it is dispatched before commander and the other commands are even loaded.
const argv = process.argv.slice(2);
try {
  const kubectlExit = await runCtl(argv);
  if (kubectlExit === undefined) await (await import('./cli/program.js')).runProgram(process.argv, runDaemon);
  else process.exitCode = kubectlExit;
} catch (err) {
  process.exitCode = await reportError(err, argv);
}
