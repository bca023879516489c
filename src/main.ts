import type { RunDaemon } from './cli/commands/svc.js';

// The composition root: the only module that knows both the CLI and the daemon.
const runDaemon: RunDaemon = async (paths, options) => (await import('./daemon/run-daemon.js')).runDaemon(paths, options);

// Each path imports only what it uses (docs/performance.md, "CLI"): `rdd ctl`
// (when bin/rdd left it to Node) runs kubectl before commander and the other
// commands are even loaded.
const argv = process.argv.slice(2);
try {
  const kubectlExit = await (await import('./cli/commands/ctl.js')).runCtl(argv);
  if (kubectlExit === undefined) await (await import('./cli/program.js')).runProgram(process.argv, runDaemon);
  else process.exitCode = kubectlExit;
} catch (err) {
  process.exitCode = await (await import('./cli/report-error.js')).reportError(err, argv);
}
